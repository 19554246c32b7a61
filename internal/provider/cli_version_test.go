package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/go-version"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"
)

// The CLI under test, as terraform-plugin-testing picks it:
// TF_ACC_TERRAFORM_PATH, or terraform on PATH. Features that came after the
// oldest CLI the tests run under skip their tests with plugin-testing's own
// version checks; OpenTofu reports its own version numbers, so it has checks
// of its own, worded the same way.

type testCLIInfo struct {
	path     string
	openTofu bool
	version  *version.Version // as `version -json` reports it
	query    bool             // it has a query command (list resources)
}

var (
	testCLIOnce sync.Once
	testCLIVal  testCLIInfo
	testCLIErr  error
)

func testCLIPath() (string, error) {
	if p := os.Getenv("TF_ACC_TERRAFORM_PATH"); p != "" {
		return p, nil
	}
	p, err := exec.LookPath("terraform")
	if err != nil {
		return "", fmt.Errorf("no terraform on PATH (or TF_ACC_TERRAFORM_PATH)")
	}
	return p, nil
}

// testCLI asks the CLI under test what it is, once per test process.
func testCLI() (testCLIInfo, error) {
	testCLIOnce.Do(func() {
		testCLIVal, testCLIErr = probeCLI()
	})
	return testCLIVal, testCLIErr
}

func probeCLI() (testCLIInfo, error) {
	path, err := testCLIPath()
	if err != nil {
		return testCLIInfo{}, err
	}
	run := func(args ...string) (string, error) {
		cmd := exec.Command(path, args...)
		// No CLI configuration (its warnings would come first) and no
		// checkpoint call to HashiCorp.
		cmd.Env = append(os.Environ(), "TF_CLI_CONFIG_FILE=/dev/null", "CHECKPOINT_DISABLE=1")
		out, err := cmd.Output()
		return string(out), err
	}
	out, err := run("version", "-json")
	if err != nil {
		return testCLIInfo{}, fmt.Errorf("%s version -json: %w", path, err)
	}
	var v struct {
		Version string `json:"terraform_version"`
	}
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		return testCLIInfo{}, fmt.Errorf("%s version -json: %w: %q", path, err, out)
	}
	info := testCLIInfo{path: path}
	if info.version, err = version.NewVersion(v.Version); err != nil {
		return testCLIInfo{}, fmt.Errorf("%s version -json: %w", path, err)
	}
	// Both report terraform_version; only the banner tells them apart.
	banner, err := run("version")
	if err != nil {
		return testCLIInfo{}, fmt.Errorf("%s version: %w", path, err)
	}
	info.openTofu = strings.HasPrefix(banner, "OpenTofu ")
	_, err = run("query", "-help")
	info.query = err == nil
	return info, nil
}

// cliCheck skips a test under a CLI older than the feature it tests:
// Terraform below terraform (tfversion.SkipBelow's own check and words),
// OpenTofu below openTofu, or an OpenTofu without `query` when the test
// needs list resources. OpenTofu reports its own version numbers, which
// tfversion would compare as Terraform's (OpenTofu 1.7 has provider
// functions, Terraform's came in 1.8), so the check asks the CLI which one
// it is, and words its skips as tfversion does.
type cliCheck struct {
	terraform, openTofu *version.Version
	listResources       bool
	// cli is testCLI, or a stand-in in the check's own test.
	cli func() (testCLIInfo, error)
}

var _ tfversion.TerraformVersionCheck = cliCheck{}

func (c cliCheck) CheckTerraformVersion(ctx context.Context, req tfversion.CheckTerraformVersionRequest, resp *tfversion.CheckTerraformVersionResponse) {
	lookup := c.cli
	if lookup == nil {
		lookup = testCLI
	}
	cli, err := lookup()
	if err != nil {
		resp.Error = err
		return
	}
	switch {
	case !cli.openTofu:
		tfversion.SkipBelow(c.terraform).CheckTerraformVersion(ctx, req, resp)
	case c.listResources && !cli.query:
		resp.Skip = fmt.Sprintf("OpenTofu CLI version %s does not support list resources: skipping test", req.TerraformVersion)
	case req.TerraformVersion.Core().LessThan(c.openTofu):
		resp.Skip = fmt.Sprintf("OpenTofu CLI version %s is below minimum version %s: skipping test", req.TerraformVersion, c.openTofu)
	}
}

// functionsVersionChecks: provider functions came with Terraform 1.8 and
// OpenTofu 1.7.
var functionsVersionChecks = []tfversion.TerraformVersionCheck{
	cliCheck{terraform: tfversion.Version1_8_0, openTofu: tfversion.Version1_7_0},
}

// identityVersionChecks: resource identity came with Terraform 1.12 and
// OpenTofu 1.12.
func identityVersionChecks() []tfversion.TerraformVersionCheck {
	return []tfversion.TerraformVersionCheck{cliCheck{terraform: tfversion.Version1_12_0, openTofu: tfversion.Version1_12_0}}
}

// listVersionChecks: list resources and `terraform query` came with
// Terraform 1.14; OpenTofu has none so far (its first with `query` would
// need to be 1.14 or later too).
func listVersionChecks() []tfversion.TerraformVersionCheck {
	return []tfversion.TerraformVersionCheck{
		cliCheck{terraform: tfversion.Version1_14_0, openTofu: tfversion.Version1_14_0, listResources: true},
	}
}

// cliSkip is what checks say of the CLI under test: "" when it has the
// feature, the skip message otherwise.
func cliSkip(t *testing.T, checks []tfversion.TerraformVersionCheck) string {
	t.Helper()
	cli, err := testCLI()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range checks {
		var resp tfversion.CheckTerraformVersionResponse
		c.CheckTerraformVersion(context.Background(), tfversion.CheckTerraformVersionRequest{TerraformVersion: cli.version}, &resp)
		if resp.Error != nil {
			t.Fatal(resp.Error)
		}
		if resp.Skip != "" {
			return resp.Skip
		}
	}
	return ""
}

// skipUnlessCLI is the version checks for tests that drive the CLI
// themselves (cliWorkspace), with no TestCase to run them.
func skipUnlessCLI(t *testing.T, checks []tfversion.TerraformVersionCheck) {
	t.Helper()
	if msg := cliSkip(t, checks); msg != "" {
		t.Skip(msg)
	}
}

// The checks' verdicts and words, for the CLIs the tests run under.
func TestCLICheck(t *testing.T) {
	cli := func(openTofu, query bool) func() (testCLIInfo, error) {
		return func() (testCLIInfo, error) { return testCLIInfo{openTofu: openTofu, query: query}, nil }
	}
	functions := func(c func() (testCLIInfo, error)) cliCheck {
		return cliCheck{terraform: tfversion.Version1_8_0, openTofu: tfversion.Version1_7_0, cli: c}
	}
	identity := func(c func() (testCLIInfo, error)) cliCheck {
		return cliCheck{terraform: tfversion.Version1_12_0, openTofu: tfversion.Version1_12_0, cli: c}
	}
	lists := func(c func() (testCLIInfo, error)) cliCheck {
		return cliCheck{terraform: tfversion.Version1_14_0, openTofu: tfversion.Version1_14_0, listResources: true, cli: c}
	}
	for _, tt := range []struct {
		what    string
		check   cliCheck
		version string
		want    string
	}{
		{"functions, OpenTofu 1.6", functions(cli(true, false)), "1.6.3-dev",
			"OpenTofu CLI version 1.6.3-dev is below minimum version 1.7.0: skipping test"},
		{"functions, OpenTofu 1.7 beta", functions(cli(true, false)), "1.7.0-beta1", ""},
		{"functions, OpenTofu 1.7", functions(cli(true, false)), "1.7.0", ""},
		{"functions, Terraform 1.7", functions(cli(false, false)), "1.7.5",
			"Terraform CLI version 1.7.5 is below minimum version 1.8.0: skipping test"},
		{"functions, Terraform 1.8", functions(cli(false, false)), "1.8.0", ""},
		{"functions, Terraform 1.11", functions(cli(false, false)), "1.11.4", ""},
		{"identity, OpenTofu 1.6", identity(cli(true, false)), "1.6.3-dev",
			"OpenTofu CLI version 1.6.3-dev is below minimum version 1.12.0: skipping test"},
		{"identity, OpenTofu 1.12", identity(cli(true, false)), "1.12.6", ""},
		{"identity, Terraform 1.11", identity(cli(false, false)), "1.11.4",
			"Terraform CLI version 1.11.4 is below minimum version 1.12.0: skipping test"},
		{"identity, Terraform 1.16", identity(cli(false, true)), "1.16.4", ""},
		{"lists, OpenTofu 1.12", lists(cli(true, false)), "1.12.6",
			"OpenTofu CLI version 1.12.6 does not support list resources: skipping test"},
		{"lists, an OpenTofu with query", lists(cli(true, true)), "1.14.0", ""},
		{"lists, Terraform 1.11", lists(cli(false, false)), "1.11.4",
			"Terraform CLI version 1.11.4 is below minimum version 1.14.0: skipping test"},
		{"lists, Terraform 1.16", lists(cli(false, true)), "1.16.4", ""},
	} {
		var resp tfversion.CheckTerraformVersionResponse
		tt.check.CheckTerraformVersion(context.Background(), tfversion.CheckTerraformVersionRequest{TerraformVersion: version.Must(version.NewVersion(tt.version))}, &resp)
		if resp.Error != nil || resp.Skip != tt.want {
			t.Errorf("%s: skip %q, error %v; want skip %q", tt.what, resp.Skip, resp.Error, tt.want)
		}
	}
}

package provider

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/go-version"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"
)

// openTofuFunctionsVersion is the first OpenTofu with provider functions.
var openTofuFunctionsVersion = version.Must(version.NewVersion("1.7.0"))

// providerFunctionsCheck skips a test under a CLI without provider
// functions: Terraform before 1.8 (tfversion.SkipBelow's own check and
// message), and OpenTofu before 1.7. OpenTofu reports its own version
// number, which tfversion compares as Terraform's (1.6.3 would pass
// SkipBelow(1.6.0) and 1.7.0 fail SkipBelow(1.8.0)), so the check asks the
// CLI which one it is.
type providerFunctionsCheck struct {
	// isOpenTofu tells the CLI's kind; nil asks the CLI under test.
	isOpenTofu func() bool
}

var _ tfversion.TerraformVersionCheck = providerFunctionsCheck{}

// functionsVersionChecks are the TerraformVersionChecks of every test that
// calls a provider function.
var functionsVersionChecks = []tfversion.TerraformVersionCheck{providerFunctionsCheck{}}

func (c providerFunctionsCheck) CheckTerraformVersion(ctx context.Context, req tfversion.CheckTerraformVersionRequest, resp *tfversion.CheckTerraformVersionResponse) {
	isOpenTofu := c.isOpenTofu
	if isOpenTofu == nil {
		isOpenTofu = cliIsOpenTofu
	}
	if !isOpenTofu() {
		tfversion.SkipBelow(tfversion.Version1_8_0).CheckTerraformVersion(ctx, req, resp)
		return
	}
	if req.TerraformVersion.Core().LessThan(openTofuFunctionsVersion) {
		resp.Skip = fmt.Sprintf("OpenTofu CLI version %s is below minimum version %s: skipping test",
			req.TerraformVersion, openTofuFunctionsVersion)
	}
}

var (
	cliKindOnce sync.Once
	cliOpenTofu bool
)

// cliIsOpenTofu reports whether the CLI that terraform-plugin-testing runs
// (TF_ACC_TERRAFORM_PATH, or terraform on PATH) is OpenTofu: its `version`
// says "OpenTofu v1.6.3" where Terraform's says "Terraform v1.11.4".
func cliIsOpenTofu() bool {
	cliKindOnce.Do(func() {
		cli := os.Getenv("TF_ACC_TERRAFORM_PATH")
		if cli == "" {
			var err error
			if cli, err = exec.LookPath("terraform"); err != nil {
				return // plugin-testing reports a missing CLI itself
			}
		}
		out, err := exec.Command(cli, "version").Output()
		cliOpenTofu = err == nil && strings.HasPrefix(string(out), "OpenTofu")
	})
	return cliOpenTofu
}

func TestProviderFunctionsCheck(t *testing.T) {
	tests := []struct {
		openTofu bool
		version  string
		skip     string
	}{
		{true, "1.6.3", "OpenTofu CLI version 1.6.3 is below minimum version 1.7.0: skipping test"},
		{true, "1.6.3-dev", "OpenTofu CLI version 1.6.3-dev is below minimum version 1.7.0: skipping test"},
		{true, "1.7.0-beta1", ""},
		{true, "1.7.0", ""},
		{true, "1.10.2", ""},
		{false, "1.7.5", "Terraform CLI version 1.7.5 is below minimum version 1.8.0: skipping test"},
		{false, "1.8.0", ""},
		{false, "1.11.4", ""},
		{false, "1.16.4", ""},
	}
	for _, tt := range tests {
		var resp tfversion.CheckTerraformVersionResponse
		providerFunctionsCheck{isOpenTofu: func() bool { return tt.openTofu }}.CheckTerraformVersion(context.Background(),
			tfversion.CheckTerraformVersionRequest{TerraformVersion: version.Must(version.NewVersion(tt.version))}, &resp)
		if resp.Skip != tt.skip || resp.Error != nil {
			t.Errorf("OpenTofu=%v %s: skip %q, error %v; want skip %q", tt.openTofu, tt.version, resp.Skip, resp.Error, tt.skip)
		}
	}
}

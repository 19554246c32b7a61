package provider

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// A workspace in which tests run the real terraform (or tofu) CLI on the
// built provider, through dev_overrides, as a user does: for faults in the
// middle of an apply and for whole-log checks, which terraform-plugin-testing
// cannot stage.
type cliWorkspace struct {
	t   *testing.T
	tf  string
	dir string
	env []string
	// rc is the CLI configuration file, whose dev_overrides name the
	// provider binary's directory.
	rc           string
	providerHost string
}

var (
	providerBuild     sync.Once
	providerBuildDir  string
	providerBuildErr  error
	providerBuildText []byte
)

// builtProvider builds the provider binary once per test process.
func builtProvider(t *testing.T) string {
	t.Helper()
	providerBuild.Do(func() {
		// Not t.TempDir: the binary serves every later test too, and t's
		// directory would be removed when the first of them ends.
		providerBuildDir, providerBuildErr = os.MkdirTemp("", "terraform-provider-systemd-test-") //nolint:usetesting // shared across tests, see above
		if providerBuildErr == nil {
			cmd := exec.Command("go", "build", "-o", filepath.Join(providerBuildDir, "terraform-provider-systemd"), "../..")
			providerBuildText, providerBuildErr = cmd.CombinedOutput()
		}
	})
	if providerBuildErr != nil {
		t.Fatalf("building the provider: %v\n%s", providerBuildErr, providerBuildText)
	}
	return providerBuildDir
}

func newCLIWorkspace(t *testing.T, config string) *cliWorkspace {
	t.Helper()
	tf, err := testCLIPath()
	if err != nil {
		t.Fatal(err)
	}
	providerHost := "registry.terraform.io"
	if h := os.Getenv("TF_ACC_PROVIDER_HOST"); h != "" {
		providerHost = h
	}
	dir := t.TempDir()
	w := &cliWorkspace{t: t, tf: tf, rc: filepath.Join(dir, "cli.tfrc"), providerHost: providerHost}
	w.useProvider(builtProvider(t))
	work := filepath.Join(dir, "work")
	if err := os.Mkdir(work, 0o700); err != nil {
		t.Fatal(err)
	}
	config = `
terraform {
  required_providers {
    systemd = { source = "systemd-tf/systemd" }
  }
}
` + config
	if err := os.WriteFile(filepath.Join(work, "main.tf"), []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	w.dir, w.env = work, append(os.Environ(), "TF_CLI_CONFIG_FILE="+w.rc, "TF_IN_AUTOMATION=1")
	return w
}

// useProvider points the workspace's dev_overrides at the provider binary in
// dir: the one built from this tree, or another (an upgrade test's older
// build).
func (w *cliWorkspace) useProvider(dir string) {
	w.t.Helper()
	if err := os.WriteFile(w.rc, []byte(fmt.Sprintf(`provider_installation {
  dev_overrides {
    "%s/systemd-tf/systemd" = %q
  }
  direct {}
}
`, w.providerHost, dir)), 0o600); err != nil {
		w.t.Fatal(err)
	}
}

// start starts a CLI command in the workspace, for a test to act while it
// runs; out collects its stdout and stderr.
func (w *cliWorkspace) start(args ...string) (cmd *exec.Cmd, out *strings.Builder) {
	w.t.Helper()
	cmd, out = w.command(nil, args...), &strings.Builder{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		w.t.Fatal(err)
	}
	return cmd, out
}

// command prepares a CLI command in the workspace.
func (w *cliWorkspace) command(extraEnv []string, args ...string) *exec.Cmd {
	cmd := exec.Command(w.tf, args...)
	cmd.Dir = w.dir
	cmd.Env = append(append([]string{}, w.env...), extraEnv...)
	return cmd
}

// run runs the CLI and returns its combined output.
func (w *cliWorkspace) run(args ...string) (string, error) {
	out, err := w.command(nil, args...).CombinedOutput()
	return string(out), err
}

// must runs the CLI and fails the test if it fails.
func (w *cliWorkspace) must(args ...string) string {
	w.t.Helper()
	out, err := w.run(args...)
	if err != nil {
		w.t.Fatalf("%s %s: %v\n%s", filepath.Base(w.tf), strings.Join(args, " "), err, out)
	}
	return out
}

// stateIDs is the id of every resource instance in state, by address.
func (w *cliWorkspace) stateIDs() map[string]string {
	w.t.Helper()
	var state struct {
		Values struct {
			RootModule struct {
				Resources []struct {
					Address string `json:"address"`
					Values  struct {
						ID string `json:"id"`
					} `json:"values"`
				} `json:"resources"`
			} `json:"root_module"`
		} `json:"values"`
	}
	if err := json.Unmarshal([]byte(w.must("show", "-json")), &state); err != nil {
		w.t.Fatalf("reading state: %v", err)
	}
	ids := map[string]string{}
	for _, r := range state.Values.RootModule.Resources {
		ids[r.Address] = r.Values.ID
	}
	return ids
}

// converges asserts that a plan has nothing to do (-detailed-exitcode 0).
func (w *cliWorkspace) converges() {
	w.t.Helper()
	out, err := w.run("plan", "-input=false", "-detailed-exitcode")
	if err != nil {
		w.t.Fatalf("the plan after the fault is not empty (%v):\n%s", err, out)
	}
}

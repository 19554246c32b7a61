package provider

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/systemd-tf/terraform-provider-systemd/internal/testhosts"
)

// upgradeFrom is the commit whose provider wrote the state that users have
// before resource identities and the host rule of ModifyPlan: the upgrade
// test applies with its build, then plans with this tree's.
// TF_ACC_UPGRADE_FROM names another commit.
const upgradeFrom = "7b0bac1"

// schemaV0From is the last commit whose systemd_unit_mask has schema
// version 0 (no user attribute).
const schemaV0From = "9ea9562"

// previousProvider builds the provider of commit ref (from `git archive`,
// so the repository gains no worktree) and returns the directory of the
// binary, for dev_overrides.
func previousProvider(t *testing.T, ref string) string {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	src, bin := filepath.Join(dir, "src"), filepath.Join(dir, "bin")
	for _, d := range []string{src, bin} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	start := time.Now()
	extract := exec.Command("sh", "-c", `git -C "$1" archive --format=tar "$2" | tar -x -C "$3"`, "sh", root, ref, src)
	if out, err := extract.CombinedOutput(); err != nil {
		t.Fatalf("extracting the provider of %s (git archive): %v\n%s", ref, err, out)
	}
	build := exec.Command("go", "build", "-o", filepath.Join(bin, "terraform-provider-systemd"), ".")
	build.Dir = src
	build.Env = append(os.Environ(), "GOFLAGS=-buildvcs=false")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the provider of %s: %v\n%s", ref, err, out)
	}
	t.Logf("built the provider of %s in %s", ref, time.Since(start).Round(time.Second))
	return bin
}

// stateResource is one resource instance of `show -json`, with its identity.
type stateResource struct {
	Address  string         `json:"address"`
	Values   map[string]any `json:"values"`
	Identity map[string]any `json:"identity"`
}

func (w *cliWorkspace) stateResources() map[string]stateResource {
	w.t.Helper()
	var state struct {
		Values struct {
			RootModule struct {
				Resources []stateResource `json:"resources"`
			} `json:"root_module"`
		} `json:"values"`
	}
	if err := json.Unmarshal([]byte(w.must("show", "-json")), &state); err != nil {
		w.t.Fatalf("reading state: %v", err)
	}
	out := map[string]stateResource{}
	for _, r := range state.Values.RootModule.Resources {
		out[r.Address] = r
	}
	return out
}

// planActions is what a saved plan does to each resource instance.
func (w *cliWorkspace) planActions(planFile string) map[string][]string {
	w.t.Helper()
	var plan struct {
		ResourceChanges []struct {
			Address string `json:"address"`
			Change  struct {
				Actions []string `json:"actions"`
			} `json:"change"`
		} `json:"resource_changes"`
	}
	if err := json.Unmarshal([]byte(w.must("show", "-json", planFile)), &plan); err != nil {
		w.t.Fatalf("reading the plan: %v", err)
	}
	out := map[string][]string{}
	for _, rc := range plan.ResourceChanges {
		out[rc.Address] = rc.Change.Actions
	}
	return out
}

// State written by the provider before identities plans empty with this
// one, and a refresh (under a CLI with identities) gives every resource its
// identity; re-spelling a host on that state afterwards updates in place.
// Every mask file on the hosts is the one the old provider made, to the end.
func TestAccIdentity_upgradeFromPreviousProvider(t *testing.T) {
	env := testAccPreCheck(t, 2)
	h1, h2 := env.Hosts[0], env.Hosts[1]
	unit := func(what string) string { return testUnitName("upgrade-" + what) }
	own, other, spelled, global := unit("own"), unit("other"), unit("spelled"), unit("global")
	t.Cleanup(func() {
		_, _, _ = env.Run(h1, fmt.Sprintf("systemctl unmask -- %s %s; systemctl --global unmask -- %s", own, spelled, global))
		_, _, _ = env.Run(h2, "systemctl unmask --runtime -- "+other)
	})
	config := func(spelledHost string) string {
		return providerBlock(env, h1) + fmt.Sprintf(`
resource "systemd_unit_mask" "own" {
  name = %q
}

resource "systemd_unit_mask" "other" {
  host    = %q
  name    = %q
  runtime = true
}

resource "systemd_unit_mask" "spelled" {
  host = %q
  name = %q
}

resource "systemd_unit_mask" "global" {
  name  = %q
  scope = "global"
}
`, own, h2.Addr, other, spelledHost, spelled, global)
	}
	files := []struct {
		h    testhosts.Host
		path string
	}{
		{h1, "/etc/systemd/system/" + own},
		{h2, "/run/systemd/system/" + other},
		{h1, "/etc/systemd/system/" + spelled},
		{h1, "/etc/systemd/user/" + global},
	}
	sameFiles := func(when string, was []string) {
		t.Helper()
		for i, f := range files {
			if now := maskFileOf(t, env, f.h, f.path); now != was[i] {
				t.Errorf("%s: %s on %s is another file (%s, was %s): the mask was removed and made again", when, f.path, f.h.Addr, now, was[i])
			}
		}
	}

	w := newCLIWorkspace(t, config(h1.IP))
	from := upgradeFrom
	if r := os.Getenv("TF_ACC_UPGRADE_FROM"); r != "" {
		from = r
	}
	w.useProvider(previousProvider(t, from))
	w.must("apply", "-auto-approve", "-input=false")
	var was []string
	for _, f := range files {
		was = append(was, maskFileOf(t, env, f.h, f.path))
	}

	w.useProvider(builtProvider(t))
	if out, err := w.run("plan", "-input=false", "-detailed-exitcode"); err != nil {
		t.Fatalf("the new provider's plan on the old provider's state is not empty (%v):\n%s", err, out)
	}
	w.must("apply", "-refresh-only", "-auto-approve", "-input=false")
	state := w.stateResources()
	want := map[string]map[string]any{
		"systemd_unit_mask.own":     {"host": h1.IP, "port": float64(h1.Port), "scope": "system", "user": "", "name": own},
		"systemd_unit_mask.other":   {"host": h2.IP, "port": float64(h2.Port), "scope": "system", "user": "", "name": other},
		"systemd_unit_mask.spelled": {"host": h1.IP, "port": float64(h1.Port), "scope": "system", "user": "", "name": spelled},
		"systemd_unit_mask.global":  {"host": h1.IP, "port": float64(h1.Port), "scope": "global", "user": "", "name": global},
	}
	if skip := cliSkip(t, identityVersionChecks()); skip != "" {
		t.Logf("identities not checked: %s", skip)
	} else {
		for addr, id := range want {
			if got := state[addr].Identity; !reflect.DeepEqual(got, id) {
				t.Errorf("%s: identity after refresh %v, want %v", addr, got, id)
			}
		}
		t.Logf("identities after the refresh: %d of %d resources, as expected", len(want), len(state))
	}
	w.converges()

	// The host of one resource re-spelled, on upgraded state: an update in
	// place, nothing on the host touched.
	w.write("main.tf", config(h1.Addr))
	if out, err := w.run("plan", "-input=false", "-out=respell.tfplan"); err != nil {
		t.Fatalf("plan: %v\n%s", err, out)
	}
	actions := w.planActions("respell.tfplan")
	if got := strings.Join(actions["systemd_unit_mask.spelled"], ","); got != "update" {
		t.Errorf("re-spelled host: actions %q, want update (every change: %v)", got, actions)
	}
	for addr, a := range actions {
		if addr != "systemd_unit_mask.spelled" && strings.Join(a, ",") != "no-op" {
			t.Errorf("%s: actions %v, want no-op", addr, a)
		}
	}
	w.must("apply", "-input=false", "respell.tfplan")
	w.converges()
	sameFiles("after the upgrade and the re-spelling", was)

	w.must("destroy", "-auto-approve", "-input=false")
	for _, f := range files {
		if out := env.MustRun(t, f.h, "test -e "+f.path+" && echo present || echo gone"); strings.TrimSpace(out) != "gone" {
			t.Errorf("after destroy, %s on %s is %s", f.path, f.h.Addr, out)
		}
	}
}

// State of schema version 0, written by the provider before user existed,
// is upgraded by the new one without a change: the plan is empty, user is
// null, and naming the login user outright afterwards updates state only.
// The mask files are the ones the old provider made, to the end.
func TestAccUnitMask_upgradeToSchemaV1(t *testing.T) {
	env := testAccPreCheck(t, 1)
	h := env.Hosts[0]
	login := env.LingerUser
	system, user := testUnitName("v0-system"), testUnitName("v0-user")
	t.Cleanup(func() {
		_, _, _ = env.Run(h, "systemctl unmask -- "+system)
		_, _, _ = env.RunAs(h, login, "systemctl --user unmask -- "+user)
	})
	config := func(userAttr string) string {
		return providerBlock(env, h, "user = "+hclString(login), "sudo = true") + fmt.Sprintf(`
resource "systemd_unit_mask" "system" {
  name = %q
}

resource "systemd_unit_mask" "user" {
  name  = %q
  scope = "user"
%s}
`, system, user, userAttr)
	}
	files := []string{"/etc/systemd/system/" + system, "/home/" + login + "/.config/systemd/user/" + user}
	w := newCLIWorkspace(t, config(""))
	w.useProvider(previousProvider(t, schemaV0From))
	w.must("apply", "-auto-approve", "-input=false")
	var was []string
	for _, f := range files {
		was = append(was, maskFileOf(t, env, h, f))
	}

	w.useProvider(builtProvider(t))
	if out, err := w.run("plan", "-input=false", "-detailed-exitcode"); err != nil {
		t.Fatalf("the new provider's plan on schema version 0 state is not empty (%v):\n%s", err, out)
	}
	w.must("apply", "-refresh-only", "-auto-approve", "-input=false")
	var pulled struct {
		Resources []struct {
			Name      string `json:"name"`
			Instances []struct {
				SchemaVersion int            `json:"schema_version"`
				Attributes    map[string]any `json:"attributes"`
			} `json:"instances"`
		} `json:"resources"`
	}
	if err := json.Unmarshal([]byte(w.must("state", "pull")), &pulled); err != nil {
		t.Fatal(err)
	}
	for _, r := range pulled.Resources {
		for _, in := range r.Instances {
			if u, ok := in.Attributes["user"]; in.SchemaVersion != 1 || !ok || u != nil {
				t.Errorf("%s after the upgrade: schema_version %d, user %v (present %v); want 1 and null", r.Name, in.SchemaVersion, u, ok)
			}
		}
	}
	if len(pulled.Resources) != 2 {
		t.Errorf("state has %d resources, want 2", len(pulled.Resources))
	}

	w.write("main.tf", config(fmt.Sprintf("  user  = %q\n", login)))
	if out, err := w.run("plan", "-input=false", "-out=user.tfplan"); err != nil {
		t.Fatalf("plan: %v\n%s", err, out)
	}
	actions := w.planActions("user.tfplan")
	if got := strings.Join(actions["systemd_unit_mask.user"], ","); got != "update" {
		t.Errorf("user = the login user: actions %q, want update (every change: %v)", got, actions)
	}
	w.must("apply", "-input=false", "user.tfplan")
	w.converges()
	for i, f := range files {
		if now := maskFileOf(t, env, h, f); now != was[i] {
			t.Errorf("%s is another file (%s, was %s): the mask was removed and made again", f, now, was[i])
		}
	}
	w.must("destroy", "-auto-approve", "-input=false")
	for _, f := range files {
		if out := env.MustRun(t, h, "test -e "+f+" && echo present || echo gone"); strings.TrimSpace(out) != "gone" {
			t.Errorf("after destroy, %s is %s", f, out)
		}
	}
}

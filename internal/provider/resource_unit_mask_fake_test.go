package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/systemd-tf/terraform-provider-systemd/internal/systemd"
)

// fakeHost is an in-memory host for the resource's own logic: two unit
// directories and the batch commands the provider sends (masks, unmasks,
// sweeps), with faults on demand. The acceptance tests do the same against
// real hosts; this one can watch every intermediate step and inject
// failures.
type fakeHost struct {
	entries map[string]systemd.Entry // unit path → what is there
	// commands records each batch as its op words and names, or "sweep".
	commands []string
	// maskedAfter records, after each command, whether unit was masked in
	// any layer.
	maskedAfter []bool
	unit        string
	// stopFails makes stopping a unit fail, as systemctl stop does.
	stopFails bool
	// fail, when it returns non-nil, makes the command fail like that.
	fail func(cmd systemd.Command) (*systemd.Result, error)
}

func newFakeHost(unit string) *fakeHost {
	return &fakeHost{entries: map[string]systemd.Entry{}, unit: unit}
}

func (f *fakeHost) Run(_ context.Context, cmd systemd.Command) (systemd.Result, error) {
	words := cmd.Argv[4:]
	if len(words) == 0 {
		f.commands = append(f.commands, "sweep")
	} else {
		f.commands = append(f.commands, strings.Join(words, " "))
	}
	defer func() {
		f.maskedAfter = append(f.maskedAfter,
			f.entries[systemd.ScopeSystem.UnitPath(systemd.Persistent, f.unit)].Masked() || f.entries[systemd.ScopeSystem.UnitPath(systemd.Runtime, f.unit)].Masked())
	}()
	if f.fail != nil {
		if res, err := f.fail(cmd); res != nil || err != nil {
			if res == nil {
				return systemd.Result{}, err
			}
			return *res, err
		}
	}
	var out strings.Builder
	var touched []string
	for i := 0; i+1 < len(words); i += 2 {
		kind, layer, now, _ := systemd.ParseOpWord(words[i])
		name, tag := words[i+1], i/2+1
		p := systemd.ScopeSystem.UnitPath(layer, name)
		touched = append(touched, name)
		switch {
		case kind == systemd.OpUnmask:
			if f.entries[p].Masked() {
				delete(f.entries, p)
			}
		case f.entries[p] == systemd.EntryUnitFile || f.entries[p] == systemd.EntryEmptyFile:
			fmt.Fprintf(&out, "rc\t%d\t1\nerr\t%d\tFailed to mask unit, file %q already exists.\n", tag, tag, p)
		default:
			f.entries[p] = systemd.EntryNullLink
			if now && f.stopFails {
				fmt.Fprintf(&out, "rc\ts%d\t5\nerr\ts%d\tFailed to stop %s: Job failed.\n", tag, tag, name)
			}
		}
	}
	word := map[systemd.Entry]string{systemd.EntryNone: "none", systemd.EntryNullLink: "null", systemd.EntryEmptyFile: "empty", systemd.EntryUnitFile: "unit"}
	if strings.Contains(cmd.Argv[2], "\nsweep persistent") {
		for p, e := range f.entries {
			for _, l := range systemd.Layers {
				if name, ok := strings.CutPrefix(p, systemd.ScopeSystem.Dir(l)+"/"); ok {
					fmt.Fprintf(&out, "%s\t%s\t%s\n", l, word[e], name)
				}
			}
		}
	} else {
		for _, name := range touched {
			for _, l := range systemd.Layers {
				fmt.Fprintf(&out, "%s\t%s\t%s\n", l, word[f.entries[systemd.ScopeSystem.UnitPath(l, name)]], name)
			}
		}
	}
	fmt.Fprintf(&out, "dir\tpersistent\t%s\ndir\truntime\t%s\nend\n", systemd.ScopeSystem.Dir(systemd.Persistent), systemd.ScopeSystem.Dir(systemd.Runtime))
	return systemd.Result{Stdout: []byte(out.String())}, nil
}

func fakeResource(host *fakeHost) *unitMaskResource {
	return &unitMaskResource{data: &providerData{
		defaultHost: "web1", port: 22,
		runner:   func(string) systemd.Runner { return host },
		batchers: &batcherSet{},
	}}
}

func resourceSchema(t *testing.T) (resource.SchemaResponse, tftypes.Object) {
	t.Helper()
	var resp resource.SchemaResponse
	NewUnitMaskResource().Schema(context.Background(), resource.SchemaRequest{}, &resp)
	typ, ok := resp.Schema.Type().TerraformType(context.Background()).(tftypes.Object)
	if !ok {
		t.Fatal("schema is not an object")
	}
	return resp, typ
}

func maskValue(typ tftypes.Object, unit string, runtime bool) tftypes.Value {
	return tftypes.NewValue(typ, map[string]tftypes.Value{
		"id":      tftypes.NewValue(tftypes.String, "web1:22/"+unit),
		"name":    tftypes.NewValue(tftypes.String, unit),
		"runtime": tftypes.NewValue(tftypes.Bool, runtime),
		"host":    tftypes.NewValue(tftypes.String, nil),
		"scope":   tftypes.NewValue(tftypes.String, "system"),
		"stop":    tftypes.NewValue(tftypes.Bool, false),
	})
}

// runtimeIn reads the runtime attribute of a state, or reports it is gone.
func runtimeIn(t *testing.T, s tfsdk.State) (runtime, present bool) {
	t.Helper()
	if s.Raw.IsNull() {
		return false, false
	}
	var m unitMaskModel
	if d := s.Get(context.Background(), &m); d.HasError() {
		t.Fatalf("state: %v", d)
	}
	return m.Runtime.ValueBool(), true
}

func hasDiag(diags diag.Diagnostics, severity diag.Severity, summary string) bool {
	for _, d := range diags {
		if d.Severity() == severity && d.Summary() == summary {
			return true
		}
	}
	return false
}

func update(t *testing.T, host *fakeHost, from, to bool) resource.UpdateResponse {
	t.Helper()
	sch, typ := resourceSchema(t)
	req := resource.UpdateRequest{
		State: tfsdk.State{Schema: sch.Schema, Raw: maskValue(typ, host.unit, from)},
		Plan:  tfsdk.Plan{Schema: sch.Schema, Raw: maskValue(typ, host.unit, to)},
	}
	resp := resource.UpdateResponse{State: tfsdk.State{Schema: sch.Schema, Raw: maskValue(typ, host.unit, to)}}
	fakeResource(host).Update(context.Background(), req, &resp)
	return resp
}

// Switching layers masks the new one first: the unit is never unmasked in
// between.
func TestUnitMaskUpdateNeverUnmasks(t *testing.T) {
	for _, tt := range []struct{ from, to bool }{{false, true}, {true, false}} {
		host := newFakeHost("cups.service")
		host.entries[systemd.ScopeSystem.UnitPath(systemd.LayerFor(tt.from), "cups.service")] = systemd.EntryNullLink
		resp := update(t, host, tt.from, tt.to)
		if resp.Diagnostics.HasError() {
			t.Fatalf("%v→%v: %v", tt.from, tt.to, resp.Diagnostics)
		}
		if len(host.commands) != 2 || !strings.HasPrefix(host.commands[0], "mask") || !strings.HasPrefix(host.commands[1], "unmask") {
			t.Errorf("%v→%v: commands = %q, want mask then unmask", tt.from, tt.to, host.commands)
		}
		for i, masked := range host.maskedAfter {
			if !masked {
				t.Errorf("%v→%v: unit unmasked after command %d (%s)", tt.from, tt.to, i, host.commands[i])
			}
		}
		if rt, _ := runtimeIn(t, resp.State); rt != tt.to {
			t.Errorf("%v→%v: state runtime = %v", tt.from, tt.to, rt)
		}
		if host.entries[systemd.ScopeSystem.UnitPath(systemd.LayerFor(tt.from), "cups.service")].Masked() {
			t.Errorf("%v→%v: the old mask remains", tt.from, tt.to)
		}
	}
}

// A failed switch keeps state equal to the host.
func TestUnitMaskUpdateFailures(t *testing.T) {
	t.Run("new layer refused", func(t *testing.T) {
		host := newFakeHost("cups.service")
		host.entries[systemd.ScopeSystem.UnitPath(systemd.Persistent, "cups.service")] = systemd.EntryNullLink
		host.entries[systemd.ScopeSystem.UnitPath(systemd.Runtime, "cups.service")] = systemd.EntryUnitFile
		resp := update(t, host, false, true)
		if !hasDiag(resp.Diagnostics, diag.SeverityError, "Unable to Mask Unit") {
			t.Fatalf("diagnostics = %v", resp.Diagnostics)
		}
		// Nothing changed on the host: state still says persistent.
		if rt, ok := runtimeIn(t, resp.State); !ok || rt {
			t.Errorf("state runtime = %v (present %v), want the old false", rt, ok)
		}
		if !host.entries[systemd.ScopeSystem.UnitPath(systemd.Persistent, "cups.service")].Masked() {
			t.Error("the persistent mask was removed")
		}
	})
	t.Run("old layer cannot be removed", func(t *testing.T) {
		host := newFakeHost("cups.service")
		host.entries[systemd.ScopeSystem.UnitPath(systemd.Persistent, "cups.service")] = systemd.EntryNullLink
		host.fail = func(cmd systemd.Command) (*systemd.Result, error) {
			if strings.HasPrefix(cmd.Argv[4], "unmask") {
				return nil, errors.New("connection lost")
			}
			return nil, nil
		}
		resp := update(t, host, false, true)
		if !hasDiag(resp.Diagnostics, diag.SeverityError, "Unable to Unmask Unit") {
			t.Fatalf("diagnostics = %v", resp.Diagnostics)
		}
		// The new mask is in place and is the managed one now.
		if rt, ok := runtimeIn(t, resp.State); !ok || !rt {
			t.Errorf("state runtime = %v (present %v), want true", rt, ok)
		}
	})
}

func read(t *testing.T, host *fakeHost, runtime bool) resource.ReadResponse {
	t.Helper()
	sch, typ := resourceSchema(t)
	state := tfsdk.State{Schema: sch.Schema, Raw: maskValue(typ, host.unit, runtime)}
	resp := resource.ReadResponse{State: state}
	fakeResource(host).Read(context.Background(), resource.ReadRequest{State: state}, &resp)
	return resp
}

func TestUnitMaskRead(t *testing.T) {
	unit := "cups.service"
	persistent, runtime := systemd.ScopeSystem.UnitPath(systemd.Persistent, unit), systemd.ScopeSystem.UnitPath(systemd.Runtime, unit)
	tests := []struct {
		what        string
		entries     map[string]systemd.Entry
		managed     bool // runtime in state
		wantPresent bool
		wantRuntime bool
	}{
		{"still masked", map[string]systemd.Entry{persistent: systemd.EntryNullLink}, false, true, false},
		{"empty file counts", map[string]systemd.Entry{persistent: systemd.EntryEmptyFile}, false, true, false},
		{"gone", nil, false, false, false},
		{"real unit file is no mask", map[string]systemd.Entry{persistent: systemd.EntryUnitFile}, false, false, false},
		{"moved to runtime", map[string]systemd.Entry{runtime: systemd.EntryNullLink}, false, true, true},
		{"moved to persistent", map[string]systemd.Entry{persistent: systemd.EntryNullLink}, true, true, false},
		{"both, managed runtime", map[string]systemd.Entry{persistent: systemd.EntryNullLink, runtime: systemd.EntryNullLink}, true, true, true},
	}
	for _, tt := range tests {
		host := newFakeHost(unit)
		for p, e := range tt.entries {
			host.entries[p] = e
		}
		resp := read(t, host, tt.managed)
		if resp.Diagnostics.HasError() {
			t.Fatalf("%s: %v", tt.what, resp.Diagnostics)
		}
		rt, present := runtimeIn(t, resp.State)
		if present != tt.wantPresent || present && rt != tt.wantRuntime {
			t.Errorf("%s: present=%v runtime=%v, want present=%v runtime=%v", tt.what, present, rt, tt.wantPresent, tt.wantRuntime)
		}
		if len(host.commands) != 1 {
			t.Errorf("%s: %d commands, want one per read: %q", tt.what, len(host.commands), host.commands)
		}
	}
}

// A host that cannot be reached is an error that names it, and the mask
// stays in state: a host that is down has not lost its masks.
func TestUnitMaskReadUnreachable(t *testing.T) {
	host := newFakeHost("cups.service")
	host.fail = func(systemd.Command) (*systemd.Result, error) {
		return nil, errors.New("web1:22: cannot connect: connection refused")
	}
	resp := read(t, host, false)
	if !hasDiag(resp.Diagnostics, diag.SeverityError, "Unable to Read Unit Mask") {
		t.Fatalf("diagnostics = %v", resp.Diagnostics)
	}
	if !strings.Contains(resp.Diagnostics[0].Detail(), "web1:22") {
		t.Errorf("detail does not name the host: %q", resp.Diagnostics[0].Detail())
	}
	if _, present := runtimeIn(t, resp.State); !present {
		t.Error("the resource was dropped from state")
	}
}

func TestUnitMaskCreateConflictStoresNothing(t *testing.T) {
	host := newFakeHost("cups.service")
	host.entries[systemd.ScopeSystem.UnitPath(systemd.Persistent, "cups.service")] = systemd.EntryUnitFile
	sch, typ := resourceSchema(t)
	plan := tfsdk.Plan{Schema: sch.Schema, Raw: maskValue(typ, "cups.service", false)}
	resp := resource.CreateResponse{State: tfsdk.State{Schema: sch.Schema, Raw: tftypes.NewValue(typ, nil)}}
	fakeResource(host).Create(context.Background(), resource.CreateRequest{Plan: plan}, &resp)
	if !hasDiag(resp.Diagnostics, diag.SeverityError, "Unable to Mask Unit") {
		t.Fatalf("diagnostics = %v", resp.Diagnostics)
	}
	if !resp.State.Raw.IsNull() {
		t.Error("state was stored for a mask that failed")
	}
	if host.entries[systemd.ScopeSystem.UnitPath(systemd.Persistent, "cups.service")] != systemd.EntryUnitFile {
		t.Error("the unit file was touched")
	}
}

// Destroy removes the managed layer only and warns about the other.
func TestUnitMaskDeleteWarnsAboutOtherLayer(t *testing.T) {
	host := newFakeHost("cups.service")
	host.entries[systemd.ScopeSystem.UnitPath(systemd.Persistent, "cups.service")] = systemd.EntryNullLink
	host.entries[systemd.ScopeSystem.UnitPath(systemd.Runtime, "cups.service")] = systemd.EntryNullLink
	sch, typ := resourceSchema(t)
	state := tfsdk.State{Schema: sch.Schema, Raw: maskValue(typ, "cups.service", false)}
	var resp resource.DeleteResponse
	fakeResource(host).Delete(context.Background(), resource.DeleteRequest{State: state}, &resp)
	if resp.Diagnostics.HasError() || !hasDiag(resp.Diagnostics, diag.SeverityWarning, "Unit Still Masked") {
		t.Fatalf("diagnostics = %v", resp.Diagnostics)
	}
	if host.entries[systemd.ScopeSystem.UnitPath(systemd.Persistent, "cups.service")].Masked() || !host.entries[systemd.ScopeSystem.UnitPath(systemd.Runtime, "cups.service")].Masked() {
		t.Errorf("entries = %v, want only the runtime mask left", host.entries)
	}
	// The check of the other layer reads the unmask's own answer.
	if len(host.commands) != 1 {
		t.Errorf("commands = %q, want the unmask alone", host.commands)
	}
}

// A mask that is on the host but whose stop failed is kept in state, with
// the error (Terraform taints it), so that nothing on the host goes
// unmanaged.
func TestUnitMaskCreateKeepsAMaskWhoseStopFailed(t *testing.T) {
	host := newFakeHost("cups.service")
	host.stopFails = true
	sch, typ := resourceSchema(t)
	planned := maskValue(typ, "cups.service", false)
	var attrs map[string]tftypes.Value
	if err := planned.As(&attrs); err != nil {
		t.Fatal(err)
	}
	attrs["stop"] = tftypes.NewValue(tftypes.Bool, true)
	plan := tfsdk.Plan{Schema: sch.Schema, Raw: tftypes.NewValue(typ, attrs)}
	resp := resource.CreateResponse{State: tfsdk.State{Schema: sch.Schema, Raw: tftypes.NewValue(typ, nil)}}
	fakeResource(host).Create(context.Background(), resource.CreateRequest{Plan: plan}, &resp)
	if !hasDiag(resp.Diagnostics, diag.SeverityError, "Unable to Mask Unit") || !strings.Contains(resp.Diagnostics[0].Detail(), "Failed to stop cups.service") {
		t.Fatalf("diagnostics = %v", resp.Diagnostics)
	}
	if _, present := runtimeIn(t, resp.State); !present {
		t.Error("the mask on the host is not in state")
	}
	if host.commands[0] != "mask-now cups.service" {
		t.Errorf("commands = %q", host.commands)
	}
}

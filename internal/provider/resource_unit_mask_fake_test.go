package provider

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/systemd-tf/terraform-provider-systemd/internal/systemd"
	"github.com/systemd-tf/terraform-provider-systemd/internal/systemd/systemdtest"
)

func fakeResource(host *systemdtest.Host) *unitMaskResource {
	return &unitMaskResource{data: &providerData{
		defaultHost: "web1", port: 22,
		host: func(string, systemd.Manager) systemd.Host { return host },
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
		"user":    tftypes.NewValue(tftypes.String, nil),
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

func update(t *testing.T, host *systemdtest.Host, from, to bool) resource.UpdateResponse {
	t.Helper()
	sch, typ := resourceSchema(t)
	req := resource.UpdateRequest{
		State: tfsdk.State{Schema: sch.Schema, Raw: maskValue(typ, host.Unit, from)},
		Plan:  tfsdk.Plan{Schema: sch.Schema, Raw: maskValue(typ, host.Unit, to)},
	}
	resp := resource.UpdateResponse{State: tfsdk.State{Schema: sch.Schema, Raw: maskValue(typ, host.Unit, to)}}
	fakeResource(host).Update(context.Background(), req, &resp)
	return resp
}

// Switching layers masks the new one first: the unit is never unmasked in
// between.
func TestUnitMaskUpdateNeverUnmasks(t *testing.T) {
	for _, tt := range []struct{ from, to bool }{{false, true}, {true, false}} {
		host := systemdtest.New("cups.service")
		host.Entries[systemd.ScopeSystem.UnitPath(systemd.LayerFor(tt.from), "cups.service")] = systemd.EntryNullLink
		resp := update(t, host, tt.from, tt.to)
		if resp.Diagnostics.HasError() {
			t.Fatalf("%v→%v: %v", tt.from, tt.to, resp.Diagnostics)
		}
		if len(host.Calls) != 2 || !strings.HasPrefix(host.Calls[0], "mask") || !strings.HasPrefix(host.Calls[1], "unmask") {
			t.Errorf("%v→%v: commands = %q, want mask then unmask", tt.from, tt.to, host.Calls)
		}
		for i, masked := range host.MaskedAfter {
			if !masked {
				t.Errorf("%v→%v: unit unmasked after command %d (%s)", tt.from, tt.to, i, host.Calls[i])
			}
		}
		if rt, _ := runtimeIn(t, resp.State); rt != tt.to {
			t.Errorf("%v→%v: state runtime = %v", tt.from, tt.to, rt)
		}
		if host.Entries[systemd.ScopeSystem.UnitPath(systemd.LayerFor(tt.from), "cups.service")].Masked() {
			t.Errorf("%v→%v: the old mask remains", tt.from, tt.to)
		}
	}
}

// A failed switch keeps state equal to the host.
func TestUnitMaskUpdateFailures(t *testing.T) {
	t.Run("new layer refused", func(t *testing.T) {
		host := systemdtest.New("cups.service")
		host.Entries[systemd.ScopeSystem.UnitPath(systemd.Persistent, "cups.service")] = systemd.EntryNullLink
		host.Entries[systemd.ScopeSystem.UnitPath(systemd.Runtime, "cups.service")] = systemd.EntryUnitFile
		resp := update(t, host, false, true)
		if !hasDiag(resp.Diagnostics, diag.SeverityError, "Unable to Mask Unit") {
			t.Fatalf("diagnostics = %v", resp.Diagnostics)
		}
		// Nothing changed on the host: state still says persistent.
		if rt, ok := runtimeIn(t, resp.State); !ok || rt {
			t.Errorf("state runtime = %v (present %v), want the old false", rt, ok)
		}
		if !host.Entries[systemd.ScopeSystem.UnitPath(systemd.Persistent, "cups.service")].Masked() {
			t.Error("the persistent mask was removed")
		}
	})
	t.Run("old layer cannot be removed", func(t *testing.T) {
		host := systemdtest.New("cups.service")
		host.Entries[systemd.ScopeSystem.UnitPath(systemd.Persistent, "cups.service")] = systemd.EntryNullLink
		host.Fail = func(call string) error {
			if strings.HasPrefix(call, "unmask") {
				return errors.New("connection lost")
			}
			return nil
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

func read(t *testing.T, host *systemdtest.Host, runtime bool) resource.ReadResponse {
	t.Helper()
	sch, typ := resourceSchema(t)
	state := tfsdk.State{Schema: sch.Schema, Raw: maskValue(typ, host.Unit, runtime)}
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
		host := systemdtest.New(unit)
		for p, e := range tt.entries {
			host.Entries[p] = e
		}
		resp := read(t, host, tt.managed)
		if resp.Diagnostics.HasError() {
			t.Fatalf("%s: %v", tt.what, resp.Diagnostics)
		}
		rt, present := runtimeIn(t, resp.State)
		if present != tt.wantPresent || present && rt != tt.wantRuntime {
			t.Errorf("%s: present=%v runtime=%v, want present=%v runtime=%v", tt.what, present, rt, tt.wantPresent, tt.wantRuntime)
		}
		if len(host.Calls) != 1 {
			t.Errorf("%s: %d commands, want one per read: %q", tt.what, len(host.Calls), host.Calls)
		}
	}
}

// A host that cannot be reached is an error that names it, and the mask
// stays in state: a host that is down has not lost its masks.
func TestUnitMaskReadUnreachable(t *testing.T) {
	host := systemdtest.New("cups.service")
	host.Fail = func(string) error { return errors.New("web1:22: cannot connect: connection refused") }
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
	host := systemdtest.New("cups.service")
	host.Entries[systemd.ScopeSystem.UnitPath(systemd.Persistent, "cups.service")] = systemd.EntryUnitFile
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
	if host.Entries[systemd.ScopeSystem.UnitPath(systemd.Persistent, "cups.service")] != systemd.EntryUnitFile {
		t.Error("the unit file was touched")
	}
}

// Destroy removes the managed layer only and warns about the other, from
// the unmask's own read-back: no second read.
func TestUnitMaskDeleteWarnsAboutOtherLayer(t *testing.T) {
	host := systemdtest.New("cups.service")
	host.Entries[systemd.ScopeSystem.UnitPath(systemd.Persistent, "cups.service")] = systemd.EntryNullLink
	host.Entries[systemd.ScopeSystem.UnitPath(systemd.Runtime, "cups.service")] = systemd.EntryNullLink
	sch, typ := resourceSchema(t)
	state := tfsdk.State{Schema: sch.Schema, Raw: maskValue(typ, "cups.service", false)}
	var resp resource.DeleteResponse
	fakeResource(host).Delete(context.Background(), resource.DeleteRequest{State: state}, &resp)
	if resp.Diagnostics.HasError() || !hasDiag(resp.Diagnostics, diag.SeverityWarning, "Unit Still Masked") {
		t.Fatalf("diagnostics = %v", resp.Diagnostics)
	}
	if host.Entries[systemd.ScopeSystem.UnitPath(systemd.Persistent, "cups.service")].Masked() || !host.Entries[systemd.ScopeSystem.UnitPath(systemd.Runtime, "cups.service")].Masked() {
		t.Errorf("entries = %v, want only the runtime mask left", host.Entries)
	}
	if want := []string{"unmask persistent cups.service"}; !reflect.DeepEqual(host.Calls, want) {
		t.Errorf("calls = %q, want %q", host.Calls, want)
	}
}

// A mask that is on the host but whose stop failed is kept in state, with
// the error (Terraform taints it), so that nothing on the host goes
// unmanaged.
func TestUnitMaskCreateKeepsAMaskWhoseStopFailed(t *testing.T) {
	host := systemdtest.New("cups.service")
	host.StopFails = true
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
	if host.Calls[0] != "mask-now persistent cups.service" {
		t.Errorf("commands = %q", host.Calls)
	}
}

func create(t *testing.T, res *unitMaskResource, unit string, runtime bool) resource.CreateResponse {
	t.Helper()
	sch, typ := resourceSchema(t)
	plan := tfsdk.Plan{Schema: sch.Schema, Raw: maskValue(typ, unit, runtime)}
	resp := resource.CreateResponse{State: tfsdk.State{Schema: sch.Schema, Raw: tftypes.NewValue(typ, nil)}}
	res.Create(context.Background(), resource.CreateRequest{Plan: plan}, &resp)
	return resp
}

func destroy(t *testing.T, res *unitMaskResource, unit string, runtime bool) resource.DeleteResponse {
	t.Helper()
	sch, typ := resourceSchema(t)
	var resp resource.DeleteResponse
	res.Delete(context.Background(), resource.DeleteRequest{State: tfsdk.State{Schema: sch.Schema, Raw: maskValue(typ, unit, runtime)}}, &resp)
	return resp
}

// A runtime mask under a unit file in /etc would mask nothing: /etc is
// read first. Create refuses it, naming the file and the fix, and leaves
// nothing on the host or in state.
func TestUnitMaskCreateShadowedRuntimeMask(t *testing.T) {
	host := systemdtest.New("cups.service")
	etc := systemdtest.LayerPath(systemd.Persistent, "cups.service")
	host.Entries[etc] = systemd.EntryUnitFile
	resp := create(t, fakeResource(host), "cups.service", true)
	if !hasDiag(resp.Diagnostics, diag.SeverityError, "Unable to Mask Unit") {
		t.Fatalf("diagnostics = %v", resp.Diagnostics)
	}
	detail := resp.Diagnostics[0].Detail()
	for _, want := range []string{"would have no effect", etc, "runtime = false"} {
		if !strings.Contains(detail, want) {
			t.Errorf("detail lacks %q: %s", want, detail)
		}
	}
	if !resp.State.Raw.IsNull() {
		t.Error("state was stored for a mask that was refused")
	}
	if e := host.Entries[systemdtest.LayerPath(systemd.Runtime, "cups.service")]; e != systemd.EntryNone {
		t.Errorf("the runtime directory holds %s", e)
	}
}

// A runtime mask already in state that a unit file in /etc shadows does
// not mask the unit: a refresh drops it, and the plan shows it to create.
func TestUnitMaskReadShadowedRuntimeMask(t *testing.T) {
	host := systemdtest.New("cups.service")
	host.Entries[systemdtest.LayerPath(systemd.Persistent, "cups.service")] = systemd.EntryUnitFile
	host.Entries[systemdtest.LayerPath(systemd.Runtime, "cups.service")] = systemd.EntryNullLink
	resp := read(t, host, true)
	if resp.Diagnostics.HasError() {
		t.Fatal(resp.Diagnostics)
	}
	if _, present := runtimeIn(t, resp.State); present {
		t.Error("a shadowed runtime mask is still in state")
	}
}

// A refactor without a moved block destroys one address and creates
// another for the same unit in one apply: in either order, the unit ends
// masked and the apply succeeds; a destroy after the create says why it
// left the mask.
func TestUnitMaskSameUnitDestroyAndCreate(t *testing.T) {
	for _, createFirst := range []bool{true, false} {
		host := systemdtest.New("cups.service")
		host.Entries[systemdtest.LayerPath(systemd.Persistent, "cups.service")] = systemd.EntryNullLink
		res := fakeResource(host) // one provider process
		var diags diag.Diagnostics
		if createFirst {
			diags.Append(create(t, res, "cups.service", false).Diagnostics...)
			diags.Append(destroy(t, res, "cups.service", false).Diagnostics...)
		} else {
			diags.Append(destroy(t, res, "cups.service", false).Diagnostics...)
			diags.Append(create(t, res, "cups.service", false).Diagnostics...)
		}
		if diags.HasError() {
			t.Fatalf("create first %v: %v", createFirst, diags)
		}
		if !host.Entries[systemdtest.LayerPath(systemd.Persistent, "cups.service")].Masked() {
			t.Errorf("create first %v: the unit ends unmasked; calls %q", createFirst, host.Calls)
		}
		if kept := hasDiag(diags, diag.SeverityWarning, "Mask Left in Place"); kept != createFirst {
			t.Errorf("create first %v: warning %v, diagnostics %v", createFirst, kept, diags)
		}
	}
}

// withHost is a mask value with another host attribute (nil: null, "?":
// unknown).
func withHost(t *testing.T, v tftypes.Value, host any) tftypes.Value {
	t.Helper()
	var attrs map[string]tftypes.Value
	if err := v.As(&attrs); err != nil {
		t.Fatal(err)
	}
	switch h := host.(type) {
	case nil:
		attrs["host"] = tftypes.NewValue(tftypes.String, nil)
	case string:
		if h == "?" {
			attrs["host"] = tftypes.NewValue(tftypes.String, tftypes.UnknownValue)
		} else {
			attrs["host"] = tftypes.NewValue(tftypes.String, h)
		}
	}
	return tftypes.NewValue(v.Type(), attrs)
}

// The plan replaces a mask exactly when its target moves: a host spelled
// another way for the same address is an update in place.
func TestUnitMaskModifyPlanReplacesOnlyWhenTheTargetMoves(t *testing.T) {
	sch, typ := resourceSchema(t)
	for _, tt := range []struct {
		what         string
		stateHost    any // the state's id is web1:22/cups.service throughout
		planHost     any
		defaultHost  string
		wantReplace  bool
		wantPlanned  string // the planned id; "" for unknown
		providerPort int
	}{
		{"unchanged", nil, nil, "web1", false, "web1:22/cups.service", 22},
		{"the provider's host named outright", nil, "web1", "web1", false, "web1:22/cups.service", 22},
		{"with the provider's port", nil, "web1:22", "web1", false, "web1:22/cups.service", 22},
		{"the port dropped", "web1:22", "web1", "web1", false, "web1:22/cups.service", 22},
		{"back to the provider's host", "web1:22", nil, "web1", false, "web1:22/cups.service", 22},
		{"another port", nil, "web1:2222", "web1", true, "web1:2222/cups.service", 22},
		{"another host", nil, "web2", "web1", true, "web2:22/cups.service", 22},
		{"the provider's host moved", nil, nil, "web2", true, "web2:22/cups.service", 22},
		{"the provider's port moved", "web1", "web1", "web1", true, "web1:2222/cups.service", 2222},
		{"the same address, another case", nil, "WEB1", "web1", true, "WEB1:22/cups.service", 22},
		{"a host not known yet", nil, "?", "web1", true, "", 22},
	} {
		res := &unitMaskResource{data: &providerData{defaultHost: tt.defaultHost, port: tt.providerPort}}
		state := tfsdk.State{Schema: sch.Schema, Raw: withHost(t, maskValue(typ, "cups.service", false), tt.stateHost)}
		planned := withHost(t, maskValue(typ, "cups.service", false), tt.planHost)
		req := resource.ModifyPlanRequest{
			State:  state,
			Plan:   tfsdk.Plan{Schema: sch.Schema, Raw: planned},
			Config: tfsdk.Config{Schema: sch.Schema, Raw: planned},
		}
		resp := resource.ModifyPlanResponse{Plan: req.Plan}
		res.ModifyPlan(context.Background(), req, &resp)
		if resp.Diagnostics.HasError() {
			t.Fatalf("%s: %v", tt.what, resp.Diagnostics)
		}
		if got := len(resp.RequiresReplace) > 0; got != tt.wantReplace {
			t.Errorf("%s: replace = %v (%v), want %v", tt.what, got, resp.RequiresReplace, tt.wantReplace)
		}
		var m unitMaskModel
		resp.Plan.Get(context.Background(), &m)
		if got := m.ID.ValueString(); got != tt.wantPlanned || m.ID.IsUnknown() != (tt.wantPlanned == "") {
			t.Errorf("%s: planned id %s, want %q", tt.what, m.ID, tt.wantPlanned)
		}
	}
}

// An update that only re-spells the host changes nothing on the host.
func TestUnitMaskUpdateOfTheHostSpellingTouchesNothing(t *testing.T) {
	host := systemdtest.New("cups.service")
	host.Entries[systemdtest.LayerPath(systemd.Persistent, "cups.service")] = systemd.EntryNullLink
	sch, typ := resourceSchema(t)
	state := tfsdk.State{Schema: sch.Schema, Raw: maskValue(typ, "cups.service", false)}
	plan := tfsdk.Plan{Schema: sch.Schema, Raw: withHost(t, maskValue(typ, "cups.service", false), "web1:22")}
	resp := resource.UpdateResponse{State: tfsdk.State{Schema: sch.Schema, Raw: plan.Raw}}
	fakeResource(host).Update(context.Background(), resource.UpdateRequest{State: state, Plan: plan}, &resp)
	if resp.Diagnostics.HasError() {
		t.Fatal(resp.Diagnostics)
	}
	if len(host.Calls) != 0 {
		t.Errorf("commands on the host: %q, want none", host.Calls)
	}
	var m unitMaskModel
	resp.State.Get(context.Background(), &m)
	if m.Host.ValueString() != "web1:22" || m.ID.ValueString() != "web1:22/cups.service" {
		t.Errorf("state: host %s, id %s; want the new spelling and the same id", m.Host, m.ID)
	}
}

// user is refused outside the user scope, and only there: not for a scope
// that is itself invalid (its validator says so), nor for a user not known
// yet.
func TestUnitMaskValidateConfigUser(t *testing.T) {
	sch, typ := resourceSchema(t)
	config := func(scope, user any) tfsdk.Config {
		attrs := map[string]tftypes.Value{}
		for name, at := range typ.AttributeTypes {
			attrs[name] = tftypes.NewValue(at, nil)
		}
		attrs["name"] = tftypes.NewValue(tftypes.String, "a.service")
		attrs["scope"] = tftypes.NewValue(tftypes.String, scope)
		attrs["user"] = tftypes.NewValue(tftypes.String, user)
		return tfsdk.Config{Schema: sch.Schema, Raw: tftypes.NewValue(typ, attrs)}
	}
	for _, tt := range []struct {
		what        string
		scope, user any
		refused     bool
	}{
		{"no scope (system)", nil, "alice", true},
		{"system", "system", "alice", true},
		{"global", "global", "alice", true},
		{"user", "user", "alice", false},
		{"an invalid scope", "users", "alice", false},
		{"no user", "system", nil, false},
		{"a user not known yet", "system", tftypes.UnknownValue, false},
	} {
		var resp resource.ValidateConfigResponse
		(&unitMaskResource{}).ValidateConfig(context.Background(), resource.ValidateConfigRequest{Config: config(tt.scope, tt.user)}, &resp)
		if got := resp.Diagnostics.HasError(); got != tt.refused {
			t.Errorf("%s: refused %v, want %v (%v)", tt.what, got, tt.refused, resp.Diagnostics)
		}
	}
}

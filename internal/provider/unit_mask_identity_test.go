package provider

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/systemd-tf/terraform-provider-systemd/internal/systemd"
	"github.com/systemd-tf/terraform-provider-systemd/internal/systemd/systemdtest"
)

// identityText renders an identity as "host port scope user name".
func identityText(m unitMaskIdentityModel) string {
	return strings.Join([]string{m.Host.ValueString(), m.Port.String(), m.Scope.ValueString(), m.User.ValueString(), m.Name.ValueString()}, " ")
}

// The identity is the id in parts, for every form of id.
func TestMaskTargetIdentity(t *testing.T) {
	for _, tt := range []struct{ id, want string }{
		{"web1:22/cups.service", "web1 22 system  cups.service"},
		{"Web1.Example.com:2222/cups.service", "Web1.Example.com 2222 system  cups.service"},
		{"[2001:db8::1]:22/cups.service", "[2001:db8::1] 22 system  cups.service"},
		{"10.0.0.1:22/global/getty@.service", "10.0.0.1 22 global  getty@.service"},
		{"web1:22/user:alice/pipewire.socket", "web1 22 user alice pipewire.socket"},
	} {
		target, err := parseMaskID(tt.id)
		if err != nil {
			t.Fatal(err)
		}
		if got := identityText(target.identity()); got != tt.want {
			t.Errorf("identity of %s = %q, want %q", tt.id, got, tt.want)
		}
		// And back: an import by that identity names the same target.
		data := providerData{defaultHost: "elsewhere", port: 22, user: "alice"}
		back, err := data.identityTarget(target.identity())
		if err != nil || back.id() != tt.id {
			t.Errorf("identityTarget(identity of %s) = %q, %v", tt.id, back.id(), err)
		}
	}
}

func identityModel(host string, port int64, scope, user, name string) unitMaskIdentityModel {
	m := unitMaskIdentityModel{Host: types.StringValue(host), Port: types.Int64Value(port), Name: types.StringValue(name),
		Scope: types.StringNull(), User: types.StringNull()}
	if port == 0 {
		m.Port = types.Int64Null()
	}
	if scope != "" {
		m.Scope = types.StringValue(scope)
	}
	if user != "-" {
		m.User = types.StringValue(user)
	}
	return m
}

// An import identity may leave out port, scope and user; an IPv6 address
// may come without brackets.
func TestIdentityTarget(t *testing.T) {
	data := providerData{defaultHost: "prov", port: 2222, user: "deploy"}
	for _, tt := range []struct {
		what string
		m    unitMaskIdentityModel
		want string
	}{
		{"everything", identityModel("web1", 22, "system", "", "cups.service"), "web1:22/cups.service"},
		{"defaults: the provider's port, system", identityModel("web1", 0, "", "-", "cups.service"), "web1:2222/cups.service"},
		{"IPv6 in brackets", identityModel("[2001:db8::1]", 22, "", "-", "cups.service"), "[2001:db8::1]:22/cups.service"},
		{"IPv6 without", identityModel("2001:db8::1", 22, "", "-", "cups.service"), "[2001:db8::1]:22/cups.service"},
		{"global", identityModel("web1", 22, "global", "", "cups.service"), "web1:22/global/cups.service"},
		{"user: the provider's by default", identityModel("web1", 22, "user", "-", "a.service"), "web1:22/user:deploy/a.service"},
		{"user, empty", identityModel("web1", 22, "user", "", "a.service"), "web1:22/user:deploy/a.service"},
		{"user, named", identityModel("web1", 22, "user", "deploy", "a.service"), "web1:22/user:deploy/a.service"},
	} {
		got, err := data.identityTarget(tt.m)
		if err != nil || got.id() != tt.want {
			t.Errorf("%s: target %q, %v; want %q", tt.what, got.id(), err, tt.want)
		}
	}
}

// Another account's user units are reached as root: logged in as root,
// or through sudo.
func TestIdentityTargetOtherAccount(t *testing.T) {
	for _, data := range []providerData{
		{defaultHost: "prov", port: 22, user: "root"},
		{defaultHost: "prov", port: 22, user: "deploy", sudo: true},
	} {
		got, err := data.identityTarget(identityModel("web1", 22, "user", "alice", "a.service"))
		if err != nil || got.id() != "web1:22/user:alice/a.service" {
			t.Errorf("login %s, sudo %v: target %q, %v; want web1:22/user:alice/a.service", data.user, data.sudo, got.id(), err)
		}
		if m := got.manager(&data); m.Account != "alice" {
			t.Errorf("login %s: manager %+v, want alice's", data.user, m)
		}
	}
}

func TestIdentityTargetRefuses(t *testing.T) {
	data := providerData{defaultHost: "prov", port: 22, user: "deploy"}
	for _, tt := range []struct {
		what string
		m    unitMaskIdentityModel
		want string
	}{
		{"no host", identityModel("", 22, "", "-", "cups.service"), "host is empty"},
		{"a port in host", identityModel("web1:22", 22, "", "-", "cups.service"), "carries a port"},
		{"a port in bracketed host", identityModel("[::1]:22", 22, "", "-", "cups.service"), "carries a port"},
		{"a bad host", identityModel("a b", 22, "", "-", "cups.service"), "host names may only contain"},
		{"a negative port", identityModel("web1", -1, "", "-", "cups.service"), "outside 1-65535"},
		{"port too big", identityModel("web1", 70000, "", "-", "cups.service"), "outside 1-65535"},
		{"a bad scope", identityModel("web1", 22, "users", "-", "cups.service"), `scope "users"`},
		{"a user for system", identityModel("web1", 22, "system", "deploy", "cups.service"), "user scope only"},
		{"another account, without root", identityModel("web1", 22, "user", "alice", "cups.service"), `login user "deploy", and its user units are reached as root`},
		{"a bad account", identityModel("web1", 22, "user", "-alice", "cups.service"), `account "-alice" begins with '-'`},
	} {
		got, err := data.identityTarget(tt.m)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: target %q, error %v; want one mentioning %q", tt.what, got.id(), err, tt.want)
		}
	}
}

// hostAttribute spells a target's host the shortest way that keeps it.
func TestHostAttribute(t *testing.T) {
	data := providerData{defaultHost: "prov", port: 2222}
	for _, tt := range []struct{ addr, want string }{
		{"prov:2222", "<null>"},
		{"prov:22", `"prov:22"`},
		{"web1:2222", `"web1"`},
		{"web1:22", `"web1:22"`},
		{"[2001:db8::1]:2222", `"[2001:db8::1]"`},
		{"[2001:db8::1]:22", `"[2001:db8::1]:22"`},
	} {
		if got := data.hostAttribute(tt.addr).String(); got != tt.want {
			t.Errorf("hostAttribute(%s) = %s, want %s", tt.addr, got, tt.want)
		}
	}
	// Without a provider host, every host is spelled out.
	if got := (&providerData{port: 22}).hostAttribute("web1:22").String(); got != `"web1"` {
		t.Errorf("without a provider host: %s", got)
	}
}

func identityOf(t *testing.T, id tfsdk.ResourceIdentity) string {
	t.Helper()
	var m unitMaskIdentityModel
	if d := id.Get(context.Background(), &m); d.HasError() {
		t.Fatalf("identity: %v", d)
	}
	return identityText(m)
}

func emptyIdentity() *tfsdk.ResourceIdentity {
	s := unitMaskIdentitySchema()
	return &tfsdk.ResourceIdentity{Schema: s, Raw: tftypes.NewValue(s.Type().TerraformType(context.Background()), nil)}
}

func identityValue(t *testing.T, m unitMaskIdentityModel) *tfsdk.ResourceIdentity {
	t.Helper()
	id := emptyIdentity()
	if d := id.Set(context.Background(), m); d.HasError() {
		t.Fatal(d)
	}
	return id
}

// Create, Read and Update record the identity of the id; toggling runtime
// keeps it.
func TestUnitMaskIdentityOverItsLife(t *testing.T) {
	host := systemdtest.New("cups.service")
	res := fakeResource(host)
	sch, typ := resourceSchema(t)
	ctx := context.Background()
	want := "web1 22 system  cups.service"

	cr := resource.CreateResponse{State: tfsdk.State{Schema: sch.Schema, Raw: tftypes.NewValue(typ, nil)}, Identity: emptyIdentity()}
	res.Create(ctx, resource.CreateRequest{Plan: tfsdk.Plan{Schema: sch.Schema, Raw: maskValue(typ, "cups.service", false)}}, &cr)
	if cr.Diagnostics.HasError() || identityOf(t, *cr.Identity) != want {
		t.Fatalf("create: %v, identity %q", cr.Diagnostics, identityOf(t, *cr.Identity))
	}

	// State from before identities: Read gives it one.
	state := tfsdk.State{Schema: sch.Schema, Raw: maskValue(typ, "cups.service", false)}
	rr := resource.ReadResponse{State: state, Identity: emptyIdentity()}
	res.Read(ctx, resource.ReadRequest{State: state, Identity: emptyIdentity()}, &rr)
	if rr.Diagnostics.HasError() || identityOf(t, *rr.Identity) != want {
		t.Fatalf("read: %v, identity %q", rr.Diagnostics, identityOf(t, *rr.Identity))
	}

	ur := resource.UpdateResponse{State: tfsdk.State{Schema: sch.Schema, Raw: maskValue(typ, "cups.service", true)}, Identity: rr.Identity}
	res.Update(ctx, resource.UpdateRequest{
		State:    state,
		Plan:     tfsdk.Plan{Schema: sch.Schema, Raw: maskValue(typ, "cups.service", true)},
		Identity: rr.Identity,
	}, &ur)
	if ur.Diagnostics.HasError() || identityOf(t, *ur.Identity) != want {
		t.Fatalf("update: %v, identity %q", ur.Diagnostics, identityOf(t, *ur.Identity))
	}
}

func importState(t *testing.T, res *unitMaskResource, req resource.ImportStateRequest) resource.ImportStateResponse {
	t.Helper()
	sch, typ := resourceSchema(t)
	resp := resource.ImportStateResponse{State: tfsdk.State{Schema: sch.Schema, Raw: tftypes.NewValue(typ, nil)}, Identity: emptyIdentity()}
	if req.Identity != nil {
		resp.Identity = req.Identity
	}
	res.ImportState(context.Background(), req, &resp)
	return resp
}

// Import by identity: the host attribute is the shortest spelling of the
// target, the identity is complete, and the import rule is the one of
// import IDs.
func TestUnitMaskImportByIdentity(t *testing.T) {
	for _, tt := range []struct {
		what     string
		identity unitMaskIdentityModel
		layer    systemd.Layer
		wantHost string
		wantID   string
	}{
		{"the provider's host", identityModel("web1", 22, "system", "-", "cups.service"), systemd.Persistent, "<null>", "web1:22/cups.service"},
		{"only what is required", identityModel("web1", 0, "", "-", "cups.service"), systemd.Runtime, "<null>", "web1:22/cups.service"},
		{"another host", identityModel("web2", 22, "", "", "cups.service"), systemd.Persistent, `"web2"`, "web2:22/cups.service"},
		{"another port", identityModel("web1", 2222, "", "", "cups.service"), systemd.Persistent, `"web1:2222"`, "web1:2222/cups.service"},
	} {
		host := systemdtest.New("cups.service")
		host.Entries[systemdtest.LayerPath(tt.layer, "cups.service")] = systemd.EntryNullLink
		resp := importState(t, fakeResource(host), resource.ImportStateRequest{Identity: identityValue(t, tt.identity)})
		if resp.Diagnostics.HasError() {
			t.Fatalf("%s: %v", tt.what, resp.Diagnostics)
		}
		var m unitMaskModel
		resp.State.Get(context.Background(), &m)
		if m.Host.String() != tt.wantHost || m.ID.ValueString() != tt.wantID || m.Runtime.ValueBool() != (tt.layer == systemd.Runtime) {
			t.Errorf("%s: host %s, id %s, runtime %v", tt.what, m.Host, m.ID, m.Runtime)
		}
		target, _ := parseMaskID(tt.wantID)
		if got, want := identityOf(t, *resp.Identity), identityText(target.identity()); got != want {
			t.Errorf("%s: identity %q, want %q", tt.what, got, want)
		}
	}
}

func TestUnitMaskImportByIdentityRefuses(t *testing.T) {
	for _, tt := range []struct {
		what     string
		identity unitMaskIdentityModel
		summary  string
		detail   string
	}{
		{"a hostile name", identityModel("web1", 22, "", "-", "$(reboot).service"), "Invalid Import Identity", "name"},
		{"a port in host", identityModel("web1:22", 0, "", "-", "cups.service"), "Invalid Import Identity", "carries a port"},
		{"not masked", identityModel("web1", 22, "", "-", "cups.service"), "Cannot Import Unit Mask", "is not masked on web1:22"},
	} {
		host := systemdtest.New("cups.service")
		resp := importState(t, fakeResource(host), resource.ImportStateRequest{Identity: identityValue(t, tt.identity)})
		if !hasDiag(resp.Diagnostics, diag.SeverityError, tt.summary) || !strings.Contains(resp.Diagnostics[0].Detail(), tt.detail) {
			t.Errorf("%s: diagnostics %v, want %q mentioning %q", tt.what, resp.Diagnostics, tt.summary, tt.detail)
		}
		if !resp.State.Raw.IsNull() {
			t.Errorf("%s: state was set", tt.what)
		}
	}
}

// Import IDs keep working as they did, and give the identity too.
func TestUnitMaskImportByIDSetsIdentity(t *testing.T) {
	host := systemdtest.New("cups.service")
	host.Entries[systemdtest.LayerPath(systemd.Persistent, "cups.service")] = systemd.EntryNullLink
	resp := importState(t, fakeResource(host), resource.ImportStateRequest{ID: "web1:22/cups.service"})
	if resp.Diagnostics.HasError() {
		t.Fatal(resp.Diagnostics)
	}
	var m unitMaskModel
	resp.State.Get(context.Background(), &m)
	if m.Host.String() != `"web1:22"` {
		t.Errorf("host %s: the import ID's spelling is kept", m.Host)
	}
	if got := identityOf(t, *resp.Identity); got != "web1 22 system  cups.service" {
		t.Errorf("identity %q", got)
	}
}

// fakeHostProvider is the provider with its hosts in memory, served by the
// framework as Terraform reaches it: what the framework itself checks of
// identities (present after every read, unchanged) is then tested too.
type fakeHostProvider struct {
	systemdProvider
	host *systemdtest.Host
}

func (p *fakeHostProvider) Configure(_ context.Context, _ provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	data := &providerData{defaultHost: "web1", port: 22, user: "root", host: func(string, systemd.Manager) systemd.Host { return p.host }}
	resp.ResourceData, resp.DataSourceData, resp.ListResourceData = data, data, data
}

func fakeHostServer(t *testing.T, host *systemdtest.Host) tfprotov6.ProviderServer {
	t.Helper()
	server := providerserver.NewProtocol6(&fakeHostProvider{host: host})()
	ctx := context.Background()
	schemas, err := server.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
	if err != nil || len(schemas.Diagnostics) > 0 {
		t.Fatalf("schema: %v %v", err, schemas.Diagnostics)
	}
	cfgType := schemas.Provider.ValueType()
	cfg, err := tfprotov6.NewDynamicValue(cfgType, tftypes.NewValue(cfgType, nil))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := server.ConfigureProvider(ctx, &tfprotov6.ConfigureProviderRequest{Config: &cfg})
	if err != nil || len(resp.Diagnostics) > 0 {
		t.Fatalf("configure: %v %v", err, resp.Diagnostics)
	}
	return server
}

// A refresh of state written before identities, through the framework's
// server: a mask still there gets its identity, and so does one that is
// gone (the framework insists on an identity after every read).
func TestUnitMaskReadThroughTheServerGivesIdentities(t *testing.T) {
	for _, masked := range []bool{true, false} {
		host := systemdtest.New("cups.service")
		if masked {
			host.Entries[systemdtest.LayerPath(systemd.Persistent, "cups.service")] = systemd.EntryNullLink
		}
		server := fakeHostServer(t, host)
		_, typ := resourceSchema(t)
		state, err := tfprotov6.NewDynamicValue(typ, maskValue(typ, "cups.service", false))
		if err != nil {
			t.Fatal(err)
		}
		resp, err := server.ReadResource(context.Background(), &tfprotov6.ReadResourceRequest{TypeName: "systemd_unit_mask", CurrentState: &state})
		if err != nil || len(resp.Diagnostics) > 0 {
			for _, d := range resp.Diagnostics {
				t.Errorf("masked %v: %s: %s", masked, d.Summary, d.Detail)
			}
			t.Fatalf("masked %v: read: %v", masked, err)
		}
		if resp.NewIdentity == nil || resp.NewIdentity.IdentityData == nil {
			t.Fatalf("masked %v: no identity", masked)
		}
		idType := unitMaskIdentitySchema().Type().TerraformType(context.Background())
		v, err := resp.NewIdentity.IdentityData.Unmarshal(idType)
		if err != nil {
			t.Fatal(err)
		}
		id := tfsdk.ResourceIdentity{Schema: unitMaskIdentitySchema(), Raw: v}
		if got := identityOf(t, id); got != "web1 22 system  cups.service" {
			t.Errorf("masked %v: identity %q", masked, got)
		}
		newState, _ := resp.NewState.Unmarshal(typ)
		if newState.IsNull() == masked {
			t.Errorf("masked %v: new state %v", masked, newState)
		}
	}
}

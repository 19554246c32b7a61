package provider

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/systemd-tf/terraform-provider-systemd/internal/systemd"
	"github.com/systemd-tf/terraform-provider-systemd/internal/systemd/systemdtest"
)

// listMasks runs the list resource against host with the given config
// (host, "" for null; scope null), and returns its results.
func listMasks(t *testing.T, host *systemdtest.Host, cfgHost string, include bool, limit int64) []list.ListResult {
	t.Helper()
	ctx := context.Background()
	lr := &unitMaskListResource{data: fakeResource(host).data}
	var schemaResp list.ListResourceSchemaResponse
	lr.ListResourceConfigSchema(ctx, list.ListResourceSchemaRequest{}, &schemaResp)
	str := func(s string) tftypes.Value {
		if s == "" {
			return tftypes.NewValue(tftypes.String, nil)
		}
		return tftypes.NewValue(tftypes.String, s)
	}
	cfg := tfsdk.Config{Schema: schemaResp.Schema, Raw: tftypes.NewValue(schemaResp.Schema.Type().TerraformType(ctx),
		map[string]tftypes.Value{"host": str(cfgHost), "scope": tftypes.NewValue(tftypes.String, nil), "user": tftypes.NewValue(tftypes.String, nil)})}
	sch, _ := resourceSchema(t)
	req := list.ListRequest{Config: cfg, IncludeResource: include, Limit: limit, ResourceSchema: sch.Schema, ResourceIdentitySchema: unitMaskIdentitySchema()}
	var stream list.ListResultsStream
	lr.List(ctx, req, &stream)
	var results []list.ListResult
	for r := range stream.Results {
		results = append(results, r)
	}
	return results
}

// listHost is a host with every kind of mask, and which of them a resource
// can manage.
func listHost() *systemdtest.Host {
	host := systemdtest.New("")
	for path, e := range map[string]systemd.Entry{
		"/etc/systemd/system/persistent.service":     systemd.EntryNullLink,
		"/etc/systemd/system/empty.service":          systemd.EntryEmptyFile,
		"/run/systemd/system/runtime.service":        systemd.EntryNullLink,
		"/etc/systemd/system/both.service":           systemd.EntryNullLink, // one result, persistent
		"/run/systemd/system/both.service":           systemd.EntryNullLink,
		"/usr/lib/systemd/system/vendor.service":     systemd.EntryNullLink, // a vendor mask
		"/etc/systemd/system/shadowed.service":       systemd.EntryUnitFile, // a unit file over a runtime mask
		"/run/systemd/system/shadowed.service":       systemd.EntryNullLink,
		"/run/systemd/generator.early/early.service": systemd.EntryNullLink, // systemd.mask=, before /etc
		"/etc/systemd/system/early.service":          systemd.EntryNullLink,
		"/etc/systemd/system.control/ctl.service":    systemd.EntryNullLink, // control, before /etc
		"/etc/systemd/system/ctl.service":            systemd.EntryNullLink,
		"/etc/systemd/system/unit.service":           systemd.EntryUnitFile, // no mask at all
	} {
		host.Entries[path] = e
	}
	return host
}

// The list holds exactly the masks an import would adopt, each with its
// identity and, asked for, the resource's attributes.
func TestUnitMaskListFindsWhatAResourceCanManage(t *testing.T) {
	host := listHost()
	results := listMasks(t, host, "", true, 0)
	var got []string
	for _, r := range results {
		if r.Diagnostics.HasError() {
			t.Fatal(r.Diagnostics)
		}
		var id unitMaskIdentityModel
		var m unitMaskModel
		r.Identity.Get(context.Background(), &id)
		r.Resource.Get(context.Background(), &m)
		got = append(got, identityText(id)+" | "+m.ID.ValueString()+" runtime="+m.Runtime.String()+" host="+m.Host.String()+" | "+r.DisplayName)
	}
	want := []string{
		"web1 22 system  both.service | web1:22/both.service runtime=false host=<null> | both.service on web1:22 (persistent mask)",
		"web1 22 system  empty.service | web1:22/empty.service runtime=false host=<null> | empty.service on web1:22 (persistent mask)",
		"web1 22 system  persistent.service | web1:22/persistent.service runtime=false host=<null> | persistent.service on web1:22 (persistent mask)",
		"web1 22 system  runtime.service | web1:22/runtime.service runtime=true host=<null> | runtime.service on web1:22 (runtime mask)",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("results:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// Two reads: the candidates, and their states.
	if len(host.Calls) != 2 {
		t.Errorf("calls %q, want masked-units and one read", host.Calls)
	}
}

// Another host is spelled as the list's config spells it, at its shortest;
// identities alone come without attributes; the limit is kept.
func TestUnitMaskListOptions(t *testing.T) {
	results := listMasks(t, listHost(), "web2:22", true, 0)
	var m unitMaskModel
	results[0].Resource.Get(context.Background(), &m)
	if m.Host.String() != `"web2"` || m.ID.ValueString() != "web2:22/both.service" {
		t.Errorf("another host: host %s, id %s", m.Host, m.ID)
	}
	results = listMasks(t, listHost(), "", false, 0)
	if len(results) != 4 || !results[0].Resource.Raw.IsNull() || results[0].Identity.Raw.IsNull() {
		t.Errorf("without include_resource: %d results, resource %v", len(results), results[0].Resource.Raw)
	}
	if results = listMasks(t, listHost(), "", false, 2); len(results) != 2 {
		t.Errorf("limit 2: %d results", len(results))
	}
}

// A host that cannot be reached fails the query, naming it.
func TestUnitMaskListUnreachable(t *testing.T) {
	host := listHost()
	host.Fail = func(string) error { return errors.New("web1:22: cannot connect: connection refused") }
	results := listMasks(t, host, "", true, 0)
	if len(results) != 1 || !hasDiag(results[0].Diagnostics, diag.SeverityError, "Unable to List Unit Masks") {
		t.Fatalf("results %+v", results)
	}
	if d := results[0].Diagnostics[0].Detail(); !strings.Contains(d, "web1:22") {
		t.Errorf("detail does not name the host: %s", d)
	}
}

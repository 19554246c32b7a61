package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/list"
	listschema "github.com/hashicorp/terraform-plugin-framework/list/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/systemd-tf/terraform-provider-systemd/internal/systemd"
)

var (
	_ list.ListResource              = &unitMaskListResource{}
	_ list.ListResourceWithConfigure = &unitMaskListResource{}
)

// NewUnitMaskListResource is the systemd_unit_mask list resource, for
// `terraform query` (Terraform 1.14 and later).
func NewUnitMaskListResource() list.ListResource { return &unitMaskListResource{} }

type unitMaskListResource struct {
	data *providerData
}

type unitMaskListConfigModel struct {
	Host  types.String `tfsdk:"host"`
	Scope types.String `tfsdk:"scope"`
	User  types.String `tfsdk:"user"`
}

func (l *unitMaskListResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_unit_mask"
}

func (l *unitMaskListResource) ListResourceConfigSchema(_ context.Context, _ list.ListResourceSchemaRequest, resp *list.ListResourceSchemaResponse) {
	resp.Schema = listschema.Schema{
		MarkdownDescription: "Finds the masks on a host that a `systemd_unit_mask` can manage, for `terraform query`: every unit " +
			"whose mask systemd obeys sits in one of the two directories `systemctl mask` writes, persistent or runtime " +
			"(`/etc/systemd/system`, `/run/systemd/system`, and their user and global counterparts). A unit masked in both " +
			"is one result, managing the persistent mask, as import does. Masks a resource cannot manage are left out: " +
			"vendor masks, the kernel's `systemd.mask=` (generator), control and attached ones, a mask behind an alias or a " +
			"template, and one shadowed by an earlier unit file. Each result has the resource's identity and, with " +
			"`include_resource`, its attributes; `terraform query -generate-config-out=FILE` writes a resource and an " +
			"import block for each. It reads with two unprivileged commands, never through sudo, and changes nothing.",
		Attributes: map[string]listschema.Attribute{
			"host": listschema.StringAttribute{
				MarkdownDescription: "Host to list, `HOST` or `HOST:PORT` (IPv6 in brackets: `[2001:db8::1]:22`), instead of " +
					"the provider's `host`; without a port, the provider's `port` applies.",
				Optional:   true,
				Validators: []validator.String{hostValidator()},
			},
			"scope": listschema.StringAttribute{
				MarkdownDescription: "Which manager's units: `system` (the default), `user` (the login user's own units; its " +
					"user manager must be running) or `global`, as the resource's `scope`.",
				Optional:   true,
				Validators: []validator.String{stringvalidator.OneOf(systemd.ScopeNames...)},
			},
			"user": listschema.StringAttribute{
				MarkdownDescription: "For the `user` scope, the account whose masks to list; unset, the login user's own. " +
					"Another account's are listed as root, as for the resource's `user`, and each result carries it.",
				Optional:   true,
				Validators: []validator.String{accountValidator()},
			},
		},
	}
}

func (l *unitMaskListResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	l.data = providerDataOf(req.ProviderData, &resp.Diagnostics)
}

// listedMask is a mask a resource can manage: its target and layer.
type listedMask struct {
	target maskTarget
	layer  systemd.Layer
}

// adoptableMasks lists the masks on the target's host and scope that an
// import would adopt: MaskedUnits names the candidates (a mask systemd
// obeys in a persistent or runtime directory), and State decides with the
// import rule (MaskState.Adoptable), which knows the one directory of each
// layer that `systemctl mask` writes.
func adoptableMasks(ctx context.Context, data *providerData, t maskTarget) ([]listedMask, error) {
	h := t.host(data)
	units, err := h.MaskedUnits(ctx)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, u := range units {
		if u.Layer == systemd.SearchPersistent || u.Layer == systemd.SearchRuntime {
			names = append(names, u.Name)
		}
	}
	if len(names) == 0 {
		return nil, nil
	}
	states, err := h.State(ctx, names...)
	if err != nil {
		return nil, err
	}
	var masks []listedMask
	for _, name := range names { // sorted, as MaskedUnits sorts them
		if layer, ok := states[name].Adoptable(); ok {
			m := listedMask{target: t, layer: layer}
			m.target.name = name
			masks = append(masks, m)
		}
	}
	tflog.Debug(ctx, "listed the masks a resource can manage", map[string]any{"masked": len(units), "adoptable": len(masks)})
	return masks, nil
}

func (l *unitMaskListResource) List(ctx context.Context, req list.ListRequest, stream *list.ListResultsStream) {
	var cfg unitMaskListConfigModel
	var diags diag.Diagnostics
	diags.Append(req.Config.Get(ctx, &cfg)...)
	if diags.HasError() {
		stream.Results = list.ListResultsStreamDiagnostics(diags)
		return
	}
	target, ok := dataSourceTarget(l.data, cfg.Host, cfg.Scope, cfg.User, "", &diags)
	if !ok {
		stream.Results = list.ListResultsStreamDiagnostics(diags)
		return
	}
	ctx = logContext(ctx, target)
	masks, err := adoptableMasks(ctx, l.data, target)
	if err != nil {
		diags.AddError("Unable to List Unit Masks", listDetail(target, err))
		stream.Results = list.ListResultsStreamDiagnostics(diags)
		return
	}
	host := l.data.hostAttribute(target.addr)
	stream.Results = func(push func(list.ListResult) bool) {
		for i, m := range masks {
			if req.Limit > 0 && int64(i) >= req.Limit {
				return
			}
			result := req.NewListResult(ctx)
			result.DisplayName = fmt.Sprintf("%s on %s (%s mask)", m.target.describe(), m.target.addr, m.layer)
			result.Diagnostics.Append(result.Identity.Set(ctx, m.target.identity())...)
			if req.IncludeResource {
				result.Diagnostics.Append(result.Resource.Set(ctx, unitMaskModel{
					ID:      types.StringValue(m.target.id()),
					Name:    types.StringValue(m.target.name),
					Runtime: types.BoolValue(m.layer == systemd.Runtime),
					Host:    host,
					Scope:   types.StringValue(m.target.scope.String()),
					User:    m.target.userAttribute(l.data),
					Stop:    types.BoolValue(false),
				})...)
			}
			if !push(result) {
				return
			}
		}
	}
}

package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/systemd-tf/terraform-provider-systemd/internal/systemd"
)

var (
	_ datasource.DataSource              = &maskedUnitsDataSource{}
	_ datasource.DataSourceWithConfigure = &maskedUnitsDataSource{}
)

// NewMaskedUnitsDataSource is the systemd_masked_units data source.
func NewMaskedUnitsDataSource() datasource.DataSource { return &maskedUnitsDataSource{} }

type maskedUnitsDataSource struct {
	data *providerData
}

type maskedUnitsDataSourceModel struct {
	ID    types.String `tfsdk:"id"`
	Host  types.String `tfsdk:"host"`
	Scope types.String `tfsdk:"scope"`
	User  types.String `tfsdk:"user"`
	Units types.List   `tfsdk:"units"`
}

type maskedUnitModel struct {
	Name  types.String `tfsdk:"name"`
	Layer types.String `tfsdk:"layer"`
	Path  types.String `tfsdk:"path"`
}

var maskedUnitAttrTypes = map[string]attr.Type{
	"name":  types.StringType,
	"layer": types.StringType,
	"path":  types.StringType,
}

func (d *maskedUnitsDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_masked_units"
}

func (d *maskedUnitsDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists the units that systemd loads as masked on a host, with the layer of each mask: every " +
			"name that some directory of the unit search path masks, resolved along that path as systemd does (the first " +
			"entry decides), so a mask hidden by an earlier unit file is left out and a mask made by the kernel's " +
			"`systemd.mask=` (in `/run/systemd/generator.early`) is listed. For audits, and for importing existing masks " +
			"into `systemd_unit_mask`. It reads with one unprivileged command, never through sudo, and changes nothing.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "`HOST:PORT` for system units, `HOST:PORT/global` and `HOST:PORT/user:USER` for the other " +
					"scopes: `\"${id}/${unit.name}\"` is the import ID of a `systemd_unit_mask` for a unit.",
				Computed: true,
			},
			"host":  dataSourceHostAttribute(),
			"scope": dataSourceScopeAttribute(),
			"user":  dataSourceUserAttribute(),
			"units": schema.ListNestedAttribute{
				MarkdownDescription: "The masked units, sorted by name. A unit masked only as an alias of a masked unit " +
					"(`autovt@.service`, a link to `getty@.service`) is left out: the unit it names is listed.",
				Computed: true,
				NestedObject: schema.NestedAttributeObject{
					Attributes: map[string]schema.Attribute{
						"name": schema.StringAttribute{
							MarkdownDescription: "The unit's name.",
							Computed:            true,
						},
						"layer": schema.StringAttribute{
							MarkdownDescription: "Where the mask that systemd obeys sits: " + searchLayersMarkdown + ". " +
								"When several layers mask the unit, the first along the search path wins, as in systemd. " +
								"`systemd_unit_mask` manages `persistent` (`runtime = false`) and `runtime` (`runtime = true`) masks.",
							Computed: true,
						},
						"path": schema.StringAttribute{
							MarkdownDescription: "That mask's file: a symlink to `/dev/null`, or an empty file.",
							Computed:            true,
						},
					},
				},
			},
		},
	}
}

func (d *maskedUnitsDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = configureDataSource(req, resp)
}

// maskedUnitsID names a host's units of one scope.
func maskedUnitsID(t maskTarget) string {
	switch t.scope {
	case systemd.ScopeGlobal:
		return t.addr + "/global"
	case systemd.ScopeUser:
		return t.addr + "/user:" + t.user
	}
	return t.addr
}

func (d *maskedUnitsDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var cfg maskedUnitsDataSourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	target, ok := dataSourceTarget(d.data, cfg.Host, cfg.Scope, cfg.User, "", &resp.Diagnostics)
	if !ok {
		return
	}
	ctx = logContext(ctx, target)
	units, err := target.host(d.data).MaskedUnits(ctx)
	if err != nil {
		resp.Diagnostics.AddError("Unable to List Masked Units", listDetail(target, err))
		return
	}
	tflog.Debug(ctx, "listed masked units", map[string]any{"count": len(units)})

	models := make([]maskedUnitModel, len(units))
	for i, u := range units {
		models[i] = maskedUnitModel{
			Name:  types.StringValue(u.Name),
			Layer: types.StringValue(u.Layer.String()),
			Path:  types.StringValue(u.Path),
		}
	}
	state := cfg
	state.ID = types.StringValue(maskedUnitsID(target))
	state.Scope = types.StringValue(target.scope.String())
	var diags diag.Diagnostics
	state.Units, diags = types.ListValueFrom(ctx, types.ObjectType{AttrTypes: maskedUnitAttrTypes}, models)
	resp.Diagnostics.Append(diags...)
	resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
}

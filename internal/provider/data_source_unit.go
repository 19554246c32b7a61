package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/systemd-tf/terraform-provider-systemd/internal/systemd"
)

var (
	_ datasource.DataSource              = &unitDataSource{}
	_ datasource.DataSourceWithConfigure = &unitDataSource{}
)

// NewUnitDataSource is the systemd_unit data source.
func NewUnitDataSource() datasource.DataSource { return &unitDataSource{} }

type unitDataSource struct {
	data *providerData
}

type unitDataSourceModel struct {
	ID            types.String `tfsdk:"id"`
	Name          types.String `tfsdk:"name"`
	Host          types.String `tfsdk:"host"`
	Scope         types.String `tfsdk:"scope"`
	User          types.String `tfsdk:"user"`
	LoadState     types.String `tfsdk:"load_state"`
	ActiveState   types.String `tfsdk:"active_state"`
	UnitFileState types.String `tfsdk:"unit_file_state"`
	FragmentPath  types.String `tfsdk:"fragment_path"`
	Masked        types.Bool   `tfsdk:"masked"`
	MaskLayer     types.String `tfsdk:"mask_layer"`
	MaskPath      types.String `tfsdk:"mask_path"`
	MaskLayers    types.Set    `tfsdk:"mask_layers"`
	ShadowedMasks types.List   `tfsdk:"shadowed_masks"`
}

func (d *unitDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_unit"
}

// searchLayersMarkdown lists the layers of the unit search path, for
// descriptions.
const searchLayersMarkdown = "`control` (`/etc/systemd/system.control`, `/run/systemd/system.control`), `transient` " +
	"(`/run/systemd/transient`), `generator` (`/run/systemd/generator.early` — where the kernel's `systemd.mask=` puts " +
	"its masks —, `generator`, `generator.late`), `persistent` (`/etc/systemd/system`), `attached` (portable services), " +
	"`runtime` (`/run/systemd/system`), `vendor` (`/usr/local/lib/systemd/system`, `/usr/lib/systemd/system`, " +
	"`/lib/systemd/system`: masks shipped by packages), and for a user's units `global` (`/etc/systemd/user`, " +
	"`/run/systemd/user`: `systemctl --global`)"

// Attributes the two data sources share.

func dataSourceHostAttribute() schema.StringAttribute {
	return schema.StringAttribute{
		MarkdownDescription: "Host to read, `HOST` or `HOST:PORT` (IPv6 in brackets: `[2001:db8::1]:22`), instead of " +
			"the provider's `host`; without a port, the provider's `port` applies. User and credentials come from the provider.",
		Optional:   true,
		Validators: []validator.String{hostValidator()},
	}
}

func dataSourceScopeAttribute() schema.StringAttribute {
	return schema.StringAttribute{
		MarkdownDescription: "Which manager's units: `system` (the default; `systemctl`), `user` (the login user's own " +
			"units, `systemctl --user`, run as that user; its user manager must be running, e.g. with " +
			"`loginctl enable-linger USER`), or `global` (the user units every user's manager shares, " +
			"`systemctl --global`, which has no running manager). No scope needs root or sudo, except another " +
			"account's units (`user`).",
		Optional:   true,
		Computed:   true,
		Validators: []validator.String{stringvalidator.OneOf(systemd.ScopeNames...)},
	}
}

func dataSourceUserAttribute() schema.StringAttribute {
	return schema.StringAttribute{
		MarkdownDescription: "For the `user` scope, the account whose user units to read; unset, the login user's own. " +
			"Another account's are read as root (a root login, or `sudo`), through its own user manager " +
			"(`systemctl --user --machine=USER@`, systemd 248 and later), which must be running, as for the resource's `user`.",
		Optional:   true,
		Validators: []validator.String{accountValidator()},
	}
}

func (d *unitDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Reads the state of one systemd unit on a host: what its manager says " +
			"(`systemctl show`), and which layers of the unit search path mask it. It reads with one " +
			"unprivileged command, never through sudo, and changes nothing. A unit that does not exist is " +
			"no error: its `load_state` is `not-found`.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "`HOST:PORT/NAME` for a system unit, `HOST:PORT/global/NAME` and `HOST:PORT/user:USER/NAME` " +
					"for the other scopes: the import ID of a `systemd_unit_mask` for this unit.",
				Computed: true,
			},
			"name": schema.StringAttribute{
				MarkdownDescription: "The unit, written in full with its type suffix, as in systemd.unit(5): `cron.service`, " +
					"`getty@.service` (a template), `getty@tty1.service` (an instance). A bare `cron` is refused with the " +
					"suggestion `cron.service`.",
				Required:   true,
				Validators: []validator.String{unitNameValidator()},
			},
			"host":  dataSourceHostAttribute(),
			"scope": dataSourceScopeAttribute(),
			"user":  dataSourceUserAttribute(),
			"load_state": schema.StringAttribute{
				MarkdownDescription: "The manager's `LoadState`: `loaded`, `not-found` (no such unit), `masked`, " +
					"`bad-setting`, `error`, …. Null where no manager can be asked: in the `global` scope, and for a template.",
				Computed: true,
			},
			"active_state": schema.StringAttribute{
				MarkdownDescription: "The manager's `ActiveState`: `active`, `inactive`, `failed`, `activating`, " +
					"`deactivating`, …. Null where `load_state` is.",
				Computed: true,
			},
			"unit_file_state": schema.StringAttribute{
				MarkdownDescription: "The unit file state, as `systemctl is-enabled` prints it: `enabled`, `disabled`, " +
					"`static`, `masked`, `masked-runtime`, `indirect`, `generated`, …. Null when systemd reports none, " +
					"as for a unit that does not exist.",
				Computed: true,
			},
			"fragment_path": schema.StringAttribute{
				MarkdownDescription: "The manager's `FragmentPath`: the file the unit was loaded from; for a masked unit, the " +
					"mask (`/etc/systemd/system/NAME`). Null when there is none, and where `load_state` is.",
				Computed: true,
			},
			"masked": schema.BoolAttribute{
				MarkdownDescription: "Whether systemd loads the unit as masked: the first entry under its name along the unit " +
					"search path (systemd.unit(5), \"Unit File Load Path\") is a mask — a symlink to `/dev/null` (or a chain of " +
					"links to it) or an empty file. A mask that an earlier entry shadows (a runtime mask under a unit file in " +
					"`/etc/systemd/system`) does not mask: it is in `shadowed_masks`, and `masked` is `false`. For an instance " +
					"with no entry of its own, its template decides; an alias is what the unit it names is.",
				Computed: true,
			},
			"mask_layer": schema.StringAttribute{
				MarkdownDescription: "The layer of the mask systemd obeys, when `masked`: " + searchLayersMarkdown + ". Null when not masked.",
				Computed:            true,
			},
			"mask_path": schema.StringAttribute{
				MarkdownDescription: "The mask systemd obeys, when `masked` (`/etc/systemd/system/NAME`, say). Null when not masked.",
				Computed:            true,
			},
			"mask_layers": schema.SetAttribute{
				MarkdownDescription: "Every layer holding a mask under the unit's name, obeyed or shadowed: " + searchLayersMarkdown +
					". For an instance with no entry of its own, its template's masks. Empty when no layer holds one.",
				ElementType: types.StringType,
				Computed:    true,
			},
			"shadowed_masks": schema.ListAttribute{
				MarkdownDescription: "The masks under the unit's name that systemd does not obey, in search-path order: each is " +
					"hidden by an earlier entry (a unit file, an alias, or another mask).",
				ElementType: types.StringType,
				Computed:    true,
			},
		},
	}
}

func (d *unitDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = configureDataSource(req, resp)
}

// configureDataSource takes the provider's data for a data source.
func configureDataSource(req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) *providerData {
	return providerDataOf(req.ProviderData, &resp.Diagnostics)
}

// dataSourceTarget resolves a data source's (or a list's) host, scope and
// user (null: the provider's host, the system scope, the login user) to
// what it reads; name may be empty.
func dataSourceTarget(data *providerData, host, scope, user types.String, name string, diags *diag.Diagnostics) (maskTarget, bool) {
	if data == nil || data.unknown || data.host == nil {
		diags.AddError("Provider Not Configured",
			"The systemd provider has no usable SSH configuration, so nothing can be read: check the provider "+
				"block for errors, or for values not known until apply (data sources and lists are read while planning).")
		return maskTarget{}, false
	}
	addr, err := data.address(host)
	if err != nil {
		diags.AddAttributeError(path.Root("host"), "No Host to Connect To", err.Error())
		return maskTarget{}, false
	}
	t := maskTarget{addr: addr, name: name}
	if !scope.IsNull() {
		if t.scope, err = systemd.ParseScope(scope.ValueString()); err != nil {
			diags.AddAttributeError(path.Root("scope"), "Invalid Scope", err.Error())
			return maskTarget{}, false
		}
	}
	switch {
	case !user.IsNull() && t.scope != systemd.ScopeUser:
		diags.AddAttributeError(path.Root("user"), "User Without the User Scope", userScopeDetail(t.scope))
		return maskTarget{}, false
	case !user.IsNull():
		t.user = user.ValueString()
		if err := data.checkAccount(addr, t.user); err != nil {
			diags.AddAttributeError(path.Root("user"), needsRootSummary, err.Error())
			return maskTarget{}, false
		}
	case t.scope == systemd.ScopeUser:
		t.user = data.loginUser(addr)
	}
	return t, true
}

// stringOrNull maps systemd's "" (none) to null.
func stringOrNull(s string) types.String {
	if s == "" {
		return types.StringNull()
	}
	return types.StringValue(s)
}

func (d *unitDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var cfg unitDataSourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	target, ok := dataSourceTarget(d.data, cfg.Host, cfg.Scope, cfg.User, cfg.Name.ValueString(), &resp.Diagnostics)
	if !ok {
		return
	}
	ctx = logContext(ctx, target)
	info, err := target.host(d.data).UnitInfo(ctx, target.name)
	if err != nil {
		resp.Diagnostics.AddError("Unable to Read Unit", operationDetail("Reading the state of", target, err))
		return
	}
	tflog.Debug(ctx, "read unit", map[string]any{"unit_file_state": info.UnitFileState, "mask_layers": fmt.Sprint(info.MaskLayers())})

	state := cfg
	state.ID = types.StringValue(target.id())
	state.Scope = types.StringValue(target.scope.String())
	state.LoadState, state.ActiveState, state.FragmentPath = types.StringNull(), types.StringNull(), types.StringNull()
	if info.Status != nil {
		state.LoadState = types.StringValue(info.Status.LoadState)
		state.ActiveState = types.StringValue(info.Status.ActiveState)
		state.FragmentPath = stringOrNull(info.Status.FragmentPath)
	}
	state.UnitFileState = stringOrNull(info.UnitFileState)
	state.Masked = types.BoolValue(info.Masked())
	state.MaskLayer, state.MaskPath = types.StringNull(), types.StringNull()
	if info.Masked() {
		state.MaskLayer = types.StringValue(info.Loaded.Layer.String())
		state.MaskPath = types.StringValue(info.Loaded.Path)
	}
	layers := []string{}
	for _, l := range info.MaskLayers() {
		layers = append(layers, l.String())
	}
	shadowed := []string{}
	for _, m := range info.Shadowed() {
		shadowed = append(shadowed, m.Path)
	}
	var diags diag.Diagnostics
	state.MaskLayers, diags = types.SetValueFrom(ctx, types.StringType, layers)
	resp.Diagnostics.Append(diags...)
	state.ShadowedMasks, diags = types.ListValueFrom(ctx, types.StringType, shadowed)
	resp.Diagnostics.Append(diags...)
	resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
}

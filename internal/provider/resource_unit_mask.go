package provider

import (
	"context"
	"errors"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/systemd-tf/terraform-provider-systemd/internal/systemd"
)

var (
	_ resource.Resource                   = &unitMaskResource{}
	_ resource.ResourceWithConfigure      = &unitMaskResource{}
	_ resource.ResourceWithModifyPlan     = &unitMaskResource{}
	_ resource.ResourceWithImportState    = &unitMaskResource{}
	_ resource.ResourceWithIdentity       = &unitMaskResource{}
	_ resource.ResourceWithUpgradeState   = &unitMaskResource{}
	_ resource.ResourceWithValidateConfig = &unitMaskResource{}
)

// NewUnitMaskResource is the systemd_unit_mask resource.
func NewUnitMaskResource() resource.Resource { return &unitMaskResource{} }

type unitMaskResource struct {
	data *providerData
}

type unitMaskModel struct {
	ID      types.String `tfsdk:"id"`
	Name    types.String `tfsdk:"name"`
	Runtime types.Bool   `tfsdk:"runtime"`
	Host    types.String `tfsdk:"host"`
	Scope   types.String `tfsdk:"scope"`
	User    types.String `tfsdk:"user"`
	Stop    types.Bool   `tfsdk:"stop"`
}

func (r *unitMaskResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_unit_mask"
}

func (r *unitMaskResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = unitMaskSchema()
}

// unitMaskSchemaVersion 1 added user.
const unitMaskSchemaVersion = 1

func unitMaskSchema() schema.Schema {
	return schema.Schema{
		Version: unitMaskSchemaVersion,
		MarkdownDescription: "Masks a systemd unit on a host, as `systemctl mask` does: systemd then refuses to " +
			"start the unit at all, whether by hand, as a dependency, or through socket or D-Bus activation (which " +
			"`systemctl disable` does not prevent). Destroying the resource unmasks the unit (`systemctl unmask`). " +
			"Neither masking nor unmasking starts or stops the unit. Every refresh reads the host's unit directories, " +
			"so a mask removed or moved behind Terraform's back shows up in the next plan.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "Where the mask lives and what it masks: `HOST:PORT/NAME` for a system unit, " +
					"`HOST:PORT/global/NAME` and `HOST:PORT/user:USER/NAME` for the other scopes.",
				Computed: true,
			},
			"name": schema.StringAttribute{
				MarkdownDescription: "The unit to mask, written in full with its type suffix, as in systemd.unit(5): " +
					"`cups.service`, `getty@.service` (a template), `getty@tty1.service` (an instance). A bare `cups` is " +
					"refused with the suggestion `cups.service`, so that plans always name exactly what is on the host. " +
					"Allowed characters: `A-Z a-z 0-9 : _ . - \\ @`, at most 255. Changing it replaces the resource.",
				Required:      true,
				Validators:    []validator.String{unitNameValidator()},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"runtime": schema.BoolAttribute{
				MarkdownDescription: "`false` (the default): a persistent mask, `/etc/systemd/system/NAME` → `/dev/null` " +
					"(`systemctl mask`). `true`: a runtime mask, `/run/systemd/system/NAME` → `/dev/null` " +
					"(`systemctl mask --runtime`), gone at the next reboot (the next plan then creates it again). " +
					"For the `user` scope the directories are `~/.config/systemd/user` and `$XDG_RUNTIME_DIR/systemd/user`; " +
					"for `global`, `/etc/systemd/user` and `/run/systemd/user`. " +
					"Changing it updates in place: the new mask is created before the old one is removed, so the unit is never unmasked in between.",
				Optional: true,
				Computed: true,
				Default:  booldefault.StaticBool(false),
			},
			"host": schema.StringAttribute{
				MarkdownDescription: "Host to mask the unit on, `HOST` or `HOST:PORT` (IPv6 in brackets: `[2001:db8::1]:22`), " +
					"instead of the provider's `host`; without a port, the provider's `port` applies. User and credentials " +
					"come from the provider. Changing it replaces the resource when the address it names changes (the old " +
					"host's mask is removed, the new host's made); a new spelling of the same address (`web1` as `web1:22` " +
					"when the provider's port is 22, or as nothing when `web1` is the provider's host) only updates state, " +
					"without touching the host.",
				Optional:   true,
				Validators: []validator.String{hostValidator()},
			},
			"scope": schema.StringAttribute{
				MarkdownDescription: "Which manager's unit to mask: `system` (the default; `systemctl`), `user` (the login " +
					"user's own units, `systemctl --user`, run as that user and never through sudo; its user manager must be " +
					"running, e.g. with `loginctl enable-linger USER`), or `global` (every user's units, `systemctl --global`, " +
					"which needs root or `sudo`). Changing it replaces the resource.",
				Optional:      true,
				Computed:      true,
				Default:       stringdefault.StaticString("system"),
				Validators:    []validator.String{stringvalidator.OneOf(systemd.ScopeNames...)},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"user": schema.StringAttribute{
				MarkdownDescription: "For the `user` scope, the account whose user unit to mask; unset (the default), the login " +
					"user's own. Another account's units are reached as root, through that account's own user manager " +
					"(`systemctl --user --machine=USER@`, systemd 248 and later), so the provider must log in as root or use " +
					"`sudo`; the account's user manager must be running (`loginctl enable-linger USER` keeps it running from " +
					"boot). Its masks are in that account's `~/.config/systemd/user` and `/run/user/UID/systemd/user`. Only " +
					"with `scope = \"user\"`. Changing it to another account replaces the resource; naming the login user " +
					"outright only updates state.",
				Optional:   true,
				Validators: []validator.String{accountValidator()},
			},
			"stop": schema.BoolAttribute{
				MarkdownDescription: "Also stop the unit when masking it (`systemctl mask --now`); a masked unit that is " +
					"running otherwise keeps running until it stops. Defaults to `false`. Changing it later only changes " +
					"state: it stops nothing then. Unmasking never starts the unit again. Ignored for the `global` scope, " +
					"which has no running manager.",
				Optional: true,
				Computed: true,
				Default:  booldefault.StaticBool(false),
			},
		},
	}
}

// IdentitySchema is the resource identity (Terraform 1.12 and later): the
// id in parts, which import blocks may name instead of an import ID.
func (r *unitMaskResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = unitMaskIdentitySchema()
}

func (r *unitMaskResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = providerDataOf(req.ProviderData, &resp.Diagnostics)
}

// ModifyPlan records the target in the planned id, and replaces the
// resource exactly when that target moves: a host written another way for
// the same address (or the provider's host named outright) is an in-place
// update that changes nothing on the host, while a new address — the
// resource's host, or the provider's host, port or user under a resource
// that names no host of its own — replaces it, so that the old mask is
// removed rather than forgotten. Replacing unmasks and masks again, which a
// mask must never do for nothing.
func (r *unitMaskResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() || r.data == nil {
		return
	}
	var plan unitMaskModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if r.data.unknown || plan.Host.IsUnknown() || plan.Name.IsUnknown() || plan.Scope.IsUnknown() || plan.User.IsUnknown() {
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("id"), types.StringUnknown())...)
		// A host not known yet may be another address: Update could not
		// move the mask there, so a resource in state is replaced, as
		// before the target could be compared.
		if plan.Host.IsUnknown() && !req.State.Raw.IsNull() {
			resp.RequiresReplace = append(resp.RequiresReplace, path.Root("host"))
		}
		return
	}
	target, err := r.plannedTarget(plan)
	if err != nil {
		addTargetError(&resp.Diagnostics, err)
		return
	}
	id := target.id()
	if !req.State.Raw.IsNull() {
		var state unitMaskModel
		resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
		if state.ID.ValueString() != id {
			resp.RequiresReplace = append(resp.RequiresReplace, path.Root("id"))
		}
	}
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("id"), id)...)
}

// plannedTarget is where a planned mask goes, from its attributes.
func (r *unitMaskResource) plannedTarget(m unitMaskModel) (maskTarget, error) {
	addr, err := r.data.address(m.Host)
	if err != nil {
		return maskTarget{}, err
	}
	scope, err := systemd.ParseScope(m.Scope.ValueString())
	if err != nil {
		return maskTarget{}, err
	}
	t := maskTarget{addr: addr, scope: scope, name: m.Name.ValueString()}
	if scope == systemd.ScopeUser {
		t.user = r.data.loginUser(addr)
		if !m.User.IsNull() {
			t.user = m.User.ValueString()
			if err := r.data.checkAccount(addr, t.user); err != nil {
				return maskTarget{}, &needsRootError{err}
			}
		}
	}
	return t, nil
}

// needsRootError is another account's units named without root to reach
// them (checkAccount): an error about user, not host.
type needsRootError struct{ err error }

func (e *needsRootError) Error() string { return e.err.Error() }

const needsRootSummary = "Another Account's Units Need Root"

// addTargetError reports err from plannedTarget on the attribute it is
// about.
func addTargetError(diags *diag.Diagnostics, err error) {
	if nr := (*needsRootError)(nil); errors.As(err, &nr) {
		diags.AddAttributeError(path.Root("user"), needsRootSummary, nr.Error())
		return
	}
	diags.AddAttributeError(path.Root("host"), "No Host to Connect To", err.Error())
}

// ValidateConfig refuses user outside the user scope.
func (r *unitMaskResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var m unitMaskModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() || m.User.IsNull() || m.User.IsUnknown() || m.Scope.IsUnknown() {
		return
	}
	scope := systemd.ScopeSystem
	if !m.Scope.IsNull() {
		var err error
		if scope, err = systemd.ParseScope(m.Scope.ValueString()); err != nil {
			return // scope's validator reports it
		}
	}
	if scope != systemd.ScopeUser {
		resp.Diagnostics.AddAttributeError(path.Root("user"), "User Without the User Scope", userScopeDetail(scope))
	}
}

// userScopeDetail is why user is refused for scope.
func userScopeDetail(scope systemd.Scope) string {
	return fmt.Sprintf("user names the account whose user units these are, and applies to scope = \"user\" only; the scope here is %q. "+
		"Set scope = \"user\", or remove user.", scope)
}

// UpgradeState reads state of earlier schema versions: version 0 had no
// user, which is the login user's own units (null) there.
func (r *unitMaskResource) UpgradeState(context.Context) map[int64]resource.StateUpgrader {
	v0 := unitMaskSchema()
	v0.Version = 0
	delete(v0.Attributes, "user")
	return map[int64]resource.StateUpgrader{
		0: {
			PriorSchema: &v0,
			StateUpgrader: func(ctx context.Context, req resource.UpgradeStateRequest, resp *resource.UpgradeStateResponse) {
				var old unitMaskModelV0
				resp.Diagnostics.Append(req.State.Get(ctx, &old)...)
				if resp.Diagnostics.HasError() {
					return
				}
				resp.Diagnostics.Append(resp.State.Set(ctx, unitMaskModel{ID: old.ID, Name: old.Name, Runtime: old.Runtime,
					Host: old.Host, Scope: old.Scope, User: types.StringNull(), Stop: old.Stop})...)
			},
		},
	}
}

// unitMaskModelV0 is state of schema version 0.
type unitMaskModelV0 struct {
	ID      types.String `tfsdk:"id"`
	Name    types.String `tfsdk:"name"`
	Runtime types.Bool   `tfsdk:"runtime"`
	Host    types.String `tfsdk:"host"`
	Scope   types.String `tfsdk:"scope"`
	Stop    types.Bool   `tfsdk:"stop"`
}

// storedTarget is where a mask in state lives: its id says.
func storedTarget(m unitMaskModel, diags *diag.Diagnostics) (maskTarget, bool) {
	t, err := parseMaskID(m.ID.ValueString())
	if err != nil {
		diags.AddError("Invalid Resource ID", err.Error())
		return maskTarget{}, false
	}
	return t, true
}

func (r *unitMaskResource) ready(diags *diag.Diagnostics) bool {
	if r.data == nil || r.data.host == nil {
		diags.AddError("Provider Not Configured",
			"The systemd provider has no usable SSH configuration; check the provider block for errors or unknown values.")
		return false
	}
	return true
}

func logContext(ctx context.Context, t maskTarget) context.Context {
	ctx = tflog.SetField(ctx, "host", t.addr)
	ctx = tflog.SetField(ctx, "unit", t.name)
	return tflog.SetField(ctx, "scope", t.scope.String())
}

func (r *unitMaskResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan unitMaskModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() || !r.ready(&resp.Diagnostics) {
		return
	}
	target, err := r.plannedTarget(plan)
	if err != nil {
		addTargetError(&resp.Diagnostics, err)
		return
	}
	ctx = logContext(ctx, target)
	layer := systemd.LayerFor(plan.Runtime.ValueBool())
	res := target.host(r.data).Mask(ctx, target.name, layer, plan.Stop.ValueBool())
	if res.Err != nil {
		resp.Diagnostics.AddError("Unable to Mask Unit", operationDetail("Masking ("+layer.String()+")", target, res.Err))
		if !res.Applied {
			return
		}
		// The mask is on the host (its reload or stop failed): it goes into
		// state, tainted by the error, so that Terraform still manages it.
	}
	plan.ID = types.StringValue(target.id())
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
	setIdentity(ctx, resp.Identity, target, &resp.Diagnostics)
}

// Read is the drift detection: it reads both layers, from a sweep of the
// host's unit directories shared with the other reads of the same burst.
func (r *unitMaskResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state unitMaskModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() || !r.ready(&resp.Diagnostics) {
		return
	}
	r.data.noteHost(state.Host)
	target, ok := storedTarget(state, &resp.Diagnostics)
	if !ok {
		return
	}
	ctx = logContext(ctx, target)
	states, err := target.host(r.data).State(ctx, target.name)
	if err != nil {
		// The state stays as it is: a host that is down has not lost its masks.
		resp.Diagnostics.AddError("Unable to Read Unit Mask", operationDetail("Reading the mask state of", target, err))
		return
	}
	// From the id alone: state written before identities existed gets one
	// here, and it never changes afterwards. The framework wants it even
	// for a resource that the read removes.
	setIdentity(ctx, resp.Identity, target, &resp.Diagnostics)
	layer, masked := states[target.name].Reconcile(systemd.LayerFor(state.Runtime.ValueBool()))
	if !masked {
		tflog.Info(ctx, "unit is no longer masked on the host; removing it from state")
		resp.State.RemoveResource(ctx)
		return
	}
	state.Runtime = types.BoolValue(layer == systemd.Runtime)
	state.Scope = types.StringValue(target.scope.String())
	resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
}

// Update can change the layer, and stop and the spelling of host, which
// are state only: the new mask goes on before the old one comes off, so the
// unit is never unmasked in between. The target is the stored one: a plan
// whose target differs replaces the resource instead (ModifyPlan).
func (r *unitMaskResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state unitMaskModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() || !r.ready(&resp.Diagnostics) {
		return
	}
	r.data.noteHost(state.Host)
	target, ok := storedTarget(state, &resp.Diagnostics)
	if !ok {
		return
	}
	ctx = logContext(ctx, target)
	plan.ID = state.ID
	setIdentity(ctx, resp.Identity, target, &resp.Diagnostics)
	from, to := systemd.LayerFor(state.Runtime.ValueBool()), systemd.LayerFor(plan.Runtime.ValueBool())
	if from != to {
		b := target.host(r.data)
		if res := b.Mask(ctx, target.name, to, false); res.Err != nil {
			resp.Diagnostics.AddError("Unable to Mask Unit", operationDetail("Masking ("+to.String()+")", target, res.Err))
			if !res.Applied {
				resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
				return
			}
		}
		if res := b.Unmask(ctx, target.name, from); res.Err != nil {
			// The new mask is in place and now managed; the old one stays.
			resp.Diagnostics.AddError("Unable to Unmask Unit", operationDetail("Removing the "+from.String()+" mask of", target, res.Err)+
				fmt.Sprintf("\n\nThe %s mask is in place and managed by Terraform; the %s one (%s) remains and is not managed.",
					to, from, target.scope.UnitPath(from, target.name)))
		}
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
}

// Delete removes the managed layer's mask only, and warns when the other
// layer still masks the unit.
func (r *unitMaskResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state unitMaskModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() || !r.ready(&resp.Diagnostics) {
		return
	}
	r.data.noteHost(state.Host)
	target, ok := storedTarget(state, &resp.Diagnostics)
	if !ok {
		return
	}
	ctx = logContext(ctx, target)
	layer := systemd.LayerFor(state.Runtime.ValueBool())
	b := target.host(r.data)
	res := b.Unmask(ctx, target.name, layer)
	if res.Err != nil {
		resp.Diagnostics.AddError("Unable to Unmask Unit", operationDetail("Unmasking ("+layer.String()+")", target, res.Err))
		return
	}
	if res.Kept {
		resp.Diagnostics.AddWarning("Mask Left in Place",
			fmt.Sprintf("%s on %s is not unmasked: another systemd_unit_mask of this apply masks the same unit in the %s layer (%s), "+
				"as when a resource is renamed, its for_each key changes or it moves into a module. The mask stays, and that "+
				"resource manages it now. A moved block records such a refactor without destroying anything.",
				target.describe(), target.addr, layer, target.scope.UnitPath(layer, target.name)))
		return
	}
	// The unmask's own batch read the unit back (OpResult.After).
	if other := layer.Other(); res.After != nil && res.After.Masked(other) {
		resp.Diagnostics.AddWarning("Unit Still Masked",
			fmt.Sprintf("The %s mask of %s on %s is removed, but %s (a %s mask that Terraform does not manage) still masks it.",
				layer, target.describe(), target.addr, target.scope.UnitPath(other, target.name), other))
	}
}

// ImportState accepts an import ID — NAME (the provider's host),
// HOST/NAME, HOST:PORT/NAME and HOST[:PORT]/SCOPE/NAME, whose host is set
// exactly as the ID spells it — or, from Terraform 1.12, an identity.
func (r *unitMaskResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	if !r.ready(&resp.Diagnostics) {
		return
	}
	var (
		target maskTarget
		host   types.String
		ok     bool
	)
	if req.ID == "" && req.Identity != nil && !req.Identity.Raw.IsNull() {
		target, host, ok = r.importByIdentity(ctx, req.Identity, &resp.Diagnostics)
	} else {
		target, host, ok = r.importByID(req.ID, &resp.Diagnostics)
	}
	if !ok {
		return
	}
	model := unitMaskModel{
		Name:  types.StringValue(target.name),
		Host:  host,
		Scope: types.StringValue(target.scope.String()),
		Stop:  types.BoolValue(false),
	}
	model.User = target.userAttribute(r.data)
	states, err := target.host(r.data).State(ctx, target.name)
	if err != nil {
		resp.Diagnostics.AddError("Unable to Import Unit Mask", operationDetail("Reading the mask state of", target, err))
		return
	}
	// Import adopts the mask systemd obeys, when it is one of the two a
	// resource manages (both masked: the persistent one, which comes first).
	st := states[target.name]
	layer, masked := st.Adoptable()
	if !masked {
		detail := fmt.Sprintf("%s is not masked on %s: neither %s nor %s is a mask (they hold: %s, %s). "+
			"Nothing to import; to mask it, declare the resource and apply.",
			target.describe(), target.addr, target.scope.UnitPath(systemd.Persistent, target.name),
			target.scope.UnitPath(systemd.Runtime, target.name), st.Persistent, st.Runtime)
		for _, l := range systemd.Layers {
			switch by, shadowed := st.Shadow(l); {
			case shadowed:
				detail = fmt.Sprintf("%s is not masked on %s: %s is a %s mask, but systemd reads %s first, which is not a mask, "+
					"so the unit loads from there. Nothing to import; mask it persistently, or remove %s.",
					target.describe(), target.addr, target.scope.UnitPath(l, target.name), l, by.Path, by.Path)
			case st.Entry(l).Masked() && st.Loaded.Entry.Masked():
				detail = fmt.Sprintf("%s on %s is masked by %s (%s layer), which systemd reads before %s and which a "+
					"systemd_unit_mask does not manage (an alias's, a template's, or another layer's). Nothing to import: "+
					"a resource would manage a mask that has no effect of its own.",
					target.describe(), target.addr, st.Loaded.Path, st.Loaded.Layer, target.scope.UnitPath(l, target.name))
			}
		}
		resp.Diagnostics.AddError("Cannot Import Unit Mask", detail)
		return
	}
	model.ID = types.StringValue(target.id())
	model.Runtime = types.BoolValue(layer == systemd.Runtime)
	resp.Diagnostics.Append(resp.State.Set(ctx, model)...)
	setIdentity(ctx, resp.Identity, target, &resp.Diagnostics)
}

// importByID reads an import ID: the target, and the host attribute as the
// ID spells it (null for the provider's host).
func (r *unitMaskResource) importByID(id string, diags *diag.Diagnostics) (maskTarget, types.String, bool) {
	imp, err := parseImportID(id)
	if err != nil {
		diags.AddError("Invalid Import ID", err.Error())
		return maskTarget{}, types.String{}, false
	}
	if err := systemd.ValidateUnitName(imp.name); err != nil {
		diags.AddError("Invalid Import ID", fmt.Sprintf("Import ID %q (%s): %s.", id, importForms, err))
		return maskTarget{}, types.String{}, false
	}
	host := types.StringNull()
	if imp.host != "" {
		host = types.StringValue(imp.host)
	}
	account := types.StringNull()
	if imp.user != "" {
		if err := systemd.ValidateAccount(imp.user); err != nil {
			diags.AddError("Invalid Import ID", fmt.Sprintf("Import ID %q: %s.", id, err))
			return maskTarget{}, types.String{}, false
		}
		account = types.StringValue(imp.user)
	}
	target, err := r.plannedTarget(unitMaskModel{Name: types.StringValue(imp.name), Host: host, Scope: types.StringValue(imp.scope.String()), User: account})
	if err != nil {
		if imp.host != "" {
			diags.AddError("Invalid Import ID", fmt.Sprintf("Import ID %q: %s", id, err))
		} else {
			diags.AddError("Invalid Import ID", fmt.Sprintf("Import ID %q names no host, and %s", id, err))
		}
		return maskTarget{}, types.String{}, false
	}
	return target, host, true
}

// importByIdentity reads an import block's identity: the target, and the
// host attribute that hostAttribute spells for it.
func (r *unitMaskResource) importByIdentity(ctx context.Context, identity *tfsdk.ResourceIdentity, diags *diag.Diagnostics) (maskTarget, types.String, bool) {
	var m unitMaskIdentityModel
	diags.Append(identity.Get(ctx, &m)...)
	if diags.HasError() {
		return maskTarget{}, types.String{}, false
	}
	target, err := r.data.identityTarget(m)
	if err == nil {
		err = systemd.ValidateUnitName(target.name)
	}
	if err != nil {
		diags.AddError("Invalid Import Identity", fmt.Sprintf("The import identity (host %s, port %s, scope %s, user %s, name %s): %s.",
			m.Host, m.Port, m.Scope, m.User, m.Name, err))
		return maskTarget{}, types.String{}, false
	}
	return target, r.data.hostAttribute(target.addr), true
}

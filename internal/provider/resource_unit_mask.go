package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/systemd-tf/terraform-provider-systemd/internal/systemd"
)

var (
	_ resource.Resource                = &unitMaskResource{}
	_ resource.ResourceWithConfigure   = &unitMaskResource{}
	_ resource.ResourceWithModifyPlan  = &unitMaskResource{}
	_ resource.ResourceWithImportState = &unitMaskResource{}
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
}

func (r *unitMaskResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_unit_mask"
}

func (r *unitMaskResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Masks a systemd unit on a host, as `systemctl mask` does: systemd then refuses to " +
			"start the unit at all, whether by hand, as a dependency, or through socket or D-Bus activation (which " +
			"`systemctl disable` does not prevent). Destroying the resource unmasks the unit (`systemctl unmask`). " +
			"Neither masking nor unmasking starts or stops the unit. Every refresh reads the host's unit directories, " +
			"so a mask removed or moved behind Terraform's back shows up in the next plan.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "`HOST:PORT/NAME`: the host the mask lives on and the unit it masks.",
				Computed:            true,
			},
			"name": schema.StringAttribute{
				MarkdownDescription: "The unit to mask, written in full with its type suffix, as in systemd.unit(5): " +
					"`cups.service`, `getty@.service` (a template), `getty@tty1.service` (an instance). A bare `cups` is " +
					"refused with the suggestion `cups.service`, so that plans always name exactly what is on the host. " +
					"Allowed characters: `A-Z a-z 0-9 : _ . - \\ @`, at most 255. Changing it replaces the resource.",
				Required:      true,
				Validators:    []validator.String{unitNameValidator{}},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"runtime": schema.BoolAttribute{
				MarkdownDescription: "`false` (the default): a persistent mask, `/etc/systemd/system/NAME` → `/dev/null` " +
					"(`systemctl mask`). `true`: a runtime mask, `/run/systemd/system/NAME` → `/dev/null` " +
					"(`systemctl mask --runtime`), gone at the next reboot (the next plan then creates it again). " +
					"Changing it updates in place: the new mask is created before the old one is removed, so the unit is never unmasked in between.",
				Optional: true,
				Computed: true,
				Default:  booldefault.StaticBool(false),
			},
			"host": schema.StringAttribute{
				MarkdownDescription: "Host to mask the unit on, `HOST` or `HOST:PORT` (IPv6 in brackets: `[2001:db8::1]:22`), " +
					"instead of the provider's `host`; without a port, the provider's `port` applies. User and credentials " +
					"come from the provider. Changing it replaces the resource.",
				Optional:      true,
				Validators:    []validator.String{hostValidator{}},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
		},
	}
}

func (r *unitMaskResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	if req.ProviderData == nil {
		return
	}
	data, ok := req.ProviderData.(*providerData)
	if !ok {
		resp.Diagnostics.AddError("Unexpected Provider Data", fmt.Sprintf("expected *providerData, got %T", req.ProviderData))
		return
	}
	r.data = data
}

// ModifyPlan records the target in the planned id. When the effective
// target moves (the provider's host or port changed under a resource that
// names no host of its own), the plan replaces the resource, so that the old
// host is unmasked rather than forgotten.
func (r *unitMaskResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() || r.data == nil {
		return
	}
	var plan unitMaskModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if r.data.unknown || plan.Host.IsUnknown() || plan.Name.IsUnknown() {
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("id"), types.StringUnknown())...)
		return
	}
	addr, err := r.data.address(plan.Host)
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("host"), "No Host to Connect To", err.Error())
		return
	}
	id := formatMaskID(addr, plan.Name.ValueString())
	if !req.State.Raw.IsNull() {
		var state unitMaskModel
		resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
		if state.ID.ValueString() != id {
			resp.RequiresReplace = append(resp.RequiresReplace, path.Root("id"))
		}
	}
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("id"), id)...)
}

func (r *unitMaskResource) manager(addr string) systemd.Manager {
	return systemd.Manager{Runner: r.data.runner(addr)}
}

// target is where a planned or stored mask lives.
func (r *unitMaskResource) target(m unitMaskModel) (addr, name string, err error) {
	if !m.ID.IsNull() && !m.ID.IsUnknown() {
		return parseMaskID(m.ID.ValueString())
	}
	addr, err = r.data.address(m.Host)
	return addr, m.Name.ValueString(), err
}

func (r *unitMaskResource) ready(diags interface{ AddError(string, string) }) bool {
	if r.data == nil || r.data.runner == nil {
		diags.AddError("Provider Not Configured",
			"The systemd provider has no usable SSH configuration; check the provider block for errors or unknown values.")
		return false
	}
	return true
}

func (r *unitMaskResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan unitMaskModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() || !r.ready(&resp.Diagnostics) {
		return
	}
	addr, name, err := r.target(plan)
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("host"), "No Host to Connect To", err.Error())
		return
	}
	layer := systemd.LayerFor(plan.Runtime.ValueBool())
	ctx = tflog.SetField(ctx, "host", addr)
	ctx = tflog.SetField(ctx, "unit", name)
	if err := r.manager(addr).Mask(ctx, name, layer); err != nil {
		resp.Diagnostics.AddError("Unable to Mask Unit", operationDetail("Masking ("+layer.String()+")", name, addr, err))
		return
	}
	plan.ID = types.StringValue(formatMaskID(addr, name))
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
}

// Read is the drift detection: one command reads both layers.
func (r *unitMaskResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state unitMaskModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() || !r.ready(&resp.Diagnostics) {
		return
	}
	addr, name, err := parseMaskID(state.ID.ValueString())
	if err != nil {
		resp.Diagnostics.AddError("Invalid Resource ID", err.Error())
		return
	}
	ctx = tflog.SetField(ctx, "host", addr)
	ctx = tflog.SetField(ctx, "unit", name)
	states, err := r.manager(addr).State(ctx, name)
	if err != nil {
		// The state stays as it is: a host that is down has not lost its masks.
		resp.Diagnostics.AddError("Unable to Read Unit Mask", operationDetail("Reading the mask state of", name, addr, err))
		return
	}
	layer, masked := states[name].Reconcile(systemd.LayerFor(state.Runtime.ValueBool()))
	if !masked {
		tflog.Info(ctx, "unit is no longer masked on the host; removing it from state")
		resp.State.RemoveResource(ctx)
		return
	}
	state.Runtime = types.BoolValue(layer == systemd.Runtime)
	resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
}

// Update can only change the layer: the new mask goes on before the old one
// comes off, so the unit is never unmasked in between.
func (r *unitMaskResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state unitMaskModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() || !r.ready(&resp.Diagnostics) {
		return
	}
	addr, name, err := parseMaskID(state.ID.ValueString())
	if err != nil {
		resp.Diagnostics.AddError("Invalid Resource ID", err.Error())
		return
	}
	ctx = tflog.SetField(ctx, "host", addr)
	ctx = tflog.SetField(ctx, "unit", name)
	plan.ID = state.ID
	from, to := systemd.LayerFor(state.Runtime.ValueBool()), systemd.LayerFor(plan.Runtime.ValueBool())
	if from != to {
		mgr := r.manager(addr)
		if err := mgr.Mask(ctx, name, to); err != nil {
			resp.Diagnostics.AddError("Unable to Mask Unit", operationDetail("Masking ("+to.String()+")", name, addr, err))
			resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
			return
		}
		if err := mgr.Unmask(ctx, name, from); err != nil {
			// The new mask is in place and now managed; the old one stays.
			resp.Diagnostics.AddError("Unable to Unmask Unit", operationDetail("Removing the "+from.String()+" mask of", name, addr, err)+
				fmt.Sprintf("\n\nThe %s mask is in place and managed by Terraform; the %s one (%s) remains and is not managed.", to, from, from.UnitPath(name)))
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
	addr, name, err := parseMaskID(state.ID.ValueString())
	if err != nil {
		resp.Diagnostics.AddError("Invalid Resource ID", err.Error())
		return
	}
	ctx = tflog.SetField(ctx, "host", addr)
	ctx = tflog.SetField(ctx, "unit", name)
	layer := systemd.LayerFor(state.Runtime.ValueBool())
	mgr := r.manager(addr)
	if err := mgr.Unmask(ctx, name, layer); err != nil {
		resp.Diagnostics.AddError("Unable to Unmask Unit", operationDetail("Unmasking ("+layer.String()+")", name, addr, err))
		return
	}
	states, err := mgr.State(ctx, name)
	if err != nil {
		tflog.Debug(ctx, "could not check the other layer after unmasking", map[string]any{"error": err.Error()})
		return
	}
	if other := layer.Other(); states[name].Masked(other) {
		resp.Diagnostics.AddWarning("Unit Still Masked",
			fmt.Sprintf("The %s mask of %s on %s is removed, but %s (a %s mask that Terraform does not manage) still masks it.",
				layer, name, addr, other.UnitPath(name), other))
	}
}

// ImportState accepts NAME (the provider's host), HOST/NAME or
// HOST:PORT/NAME; host is set exactly as the ID spells it.
func (r *unitMaskResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	if !r.ready(&resp.Diagnostics) {
		return
	}
	hostText, name, err := parseImportID(req.ID)
	if err != nil {
		resp.Diagnostics.AddError("Invalid Import ID", err.Error())
		return
	}
	if err := systemd.ValidateUnitName(name); err != nil {
		resp.Diagnostics.AddError("Invalid Import ID", fmt.Sprintf("Import ID %q (NAME, HOST/NAME or HOST:PORT/NAME): %s.", req.ID, err))
		return
	}
	host := types.StringNull()
	if hostText != "" {
		host = types.StringValue(hostText)
	}
	addr, err := r.data.address(host)
	if err != nil {
		resp.Diagnostics.AddError("Invalid Import ID", fmt.Sprintf("Import ID %q names no host, and %s", req.ID, err))
		return
	}
	states, err := r.manager(addr).State(ctx, name)
	if err != nil {
		resp.Diagnostics.AddError("Unable to Import Unit Mask", operationDetail("Reading the mask state of", name, addr, err))
		return
	}
	// Both layers masked: the persistent one is the one to manage.
	layer, masked := states[name].Reconcile(systemd.Persistent)
	if !masked {
		resp.Diagnostics.AddError("Cannot Import Unit Mask",
			fmt.Sprintf("%s is not masked on %s: neither %s nor %s is a mask (they hold: %s, %s). "+
				"Nothing to import; to mask it, declare the resource and apply.",
				name, addr, systemd.Persistent.UnitPath(name), systemd.Runtime.UnitPath(name),
				states[name].Persistent, states[name].Runtime))
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, unitMaskModel{
		ID:      types.StringValue(formatMaskID(addr, name)),
		Name:    types.StringValue(name),
		Runtime: types.BoolValue(layer == systemd.Runtime),
		Host:    host,
	})...)
}

// Command noop is make bench's plugin floor: a provider built on the same
// plugin framework and protocol version as terraform-provider-systemd, with a
// resource of the same attributes that only records them. Timing the same
// resources through it shows what any plugin provider costs Terraform
// (a process per walk, gRPC, the framework), which terraform_data, built into
// Terraform, does not pay; the rest of systemd_unit_mask's time is its work
// on the hosts.
package main

import (
	"context"
	"log"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/systemd-tf/terraform-provider-systemd/internal/pluginlog"
)

func main() {
	// The same logging as the provider's, so that the floor is comparable.
	pluginlog.QuietUnlessTerraformLogs("noop")
	err := providerserver.Serve(context.Background(), func() provider.Provider { return noopProvider{} },
		providerserver.ServeOpts{Address: "registry.terraform.io/systemd-tf/noop"})
	if err != nil {
		log.Fatal(err)
	}
}

type noopProvider struct{}

func (noopProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "noop"
}

func (noopProvider) Schema(context.Context, provider.SchemaRequest, *provider.SchemaResponse) {}

func (noopProvider) Configure(context.Context, provider.ConfigureRequest, *provider.ConfigureResponse) {
}

func (noopProvider) Resources(context.Context) []func() resource.Resource {
	return []func() resource.Resource{func() resource.Resource { return maskResource{} }}
}

func (noopProvider) DataSources(context.Context) []func() datasource.DataSource { return nil }

type maskModel struct {
	ID      types.String `tfsdk:"id"`
	Name    types.String `tfsdk:"name"`
	Runtime types.Bool   `tfsdk:"runtime"`
	Host    types.String `tfsdk:"host"`
	Scope   types.String `tfsdk:"scope"`
	Stop    types.Bool   `tfsdk:"stop"`
}

type maskResource struct{}

func (maskResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_mask"
}

// Schema has systemd_unit_mask's attributes, defaults and plan modifiers.
func (maskResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	replace := []planmodifier.String{stringplanmodifier.RequiresReplace()}
	resp.Schema = schema.Schema{Attributes: map[string]schema.Attribute{
		"id":      schema.StringAttribute{Computed: true, PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()}},
		"name":    schema.StringAttribute{Required: true, PlanModifiers: replace},
		"runtime": schema.BoolAttribute{Optional: true, Computed: true, Default: booldefault.StaticBool(false)},
		"host":    schema.StringAttribute{Optional: true, PlanModifiers: replace},
		"scope":   schema.StringAttribute{Optional: true, Computed: true, Default: stringdefault.StaticString("system"), PlanModifiers: replace},
		"stop":    schema.BoolAttribute{Optional: true, Computed: true, Default: booldefault.StaticBool(false)},
	}}
}

func (maskResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var m maskModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &m)...)
	m.ID = types.StringValue(m.Host.ValueString() + "/" + m.Name.ValueString())
	resp.Diagnostics.Append(resp.State.Set(ctx, m)...)
}

func (maskResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var m maskModel
	resp.Diagnostics.Append(req.State.Get(ctx, &m)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, m)...)
}

func (maskResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var m maskModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &m)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, m)...)
}

func (maskResource) Delete(context.Context, resource.DeleteRequest, *resource.DeleteResponse) {}

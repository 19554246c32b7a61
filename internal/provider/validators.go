package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/systemd-tf/terraform-provider-systemd/internal/sshtransport"
	"github.com/systemd-tf/terraform-provider-systemd/internal/systemd"
)

// unitNameValidator applies systemd's unit-name grammar at plan time, so a
// bad name never reaches a host.
type unitNameValidator struct{}

var _ validator.String = unitNameValidator{}

func (unitNameValidator) Description(context.Context) string {
	return "must be a full systemd unit name with its type suffix, e.g. cron.service or getty@tty1.service"
}

func (v unitNameValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (unitNameValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if err := systemd.ValidateUnitName(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid Unit Name",
			fmt.Sprintf("Attribute %s must be a systemd unit name (systemd.unit(5)): %s.", req.Path, err))
	}
}

// hostValidator accepts what a resource's host may be: HOST or HOST:PORT.
type hostValidator struct{}

var _ validator.String = hostValidator{}

func (hostValidator) Description(context.Context) string {
	return "must be HOST or HOST:PORT, with an IPv6 address in brackets"
}

func (v hostValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (hostValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if _, err := sshtransport.ParseAddress(req.ConfigValue.ValueString(), defaultPort); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid Host",
			fmt.Sprintf("Attribute %s must be HOST or HOST:PORT (IPv6 in brackets, e.g. [2001:db8::1]:22): %s.", req.Path, err))
	}
}

// hostWithoutPortValidator accepts a host name or address without a port,
// for a block that has a `port` of its own: the provider's and the
// bastion's.
type hostWithoutPortValidator struct {
	summary string // of the diagnostic
	port    string // the attribute that takes the port, as the detail names it
}

var _ validator.String = hostWithoutPortValidator{}

// providerHostValidator checks the provider's `host`.
func providerHostValidator() hostWithoutPortValidator {
	return hostWithoutPortValidator{summary: "Invalid Host", port: "the provider's `port`"}
}

// bastionHostValidator checks the bastion block's `host`.
func bastionHostValidator() hostWithoutPortValidator {
	return hostWithoutPortValidator{summary: "Invalid Bastion Host", port: "bastion.port"}
}

func (hostWithoutPortValidator) Description(context.Context) string {
	return "must be a host name or address without a port"
}

func (v hostWithoutPortValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (v hostWithoutPortValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if err := v.check(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, v.summary, fmt.Sprintf("Attribute %s %s.", req.Path, err))
	}
}

// check is the rule, for a host that an environment variable gives too.
func (v hostWithoutPortValidator) check(s string) error {
	_, hasPort, err := sshtransport.SplitAddress(s, defaultPort)
	if err != nil {
		return fmt.Errorf("must be a host name or address (IPv6 in brackets): %w", err)
	}
	if hasPort {
		return fmt.Errorf("must not carry a port (%q): set %s instead", s, v.port)
	}
	return nil
}

// durationValidator checks `timeout` at plan time.
type durationValidator struct{}

var _ validator.String = durationValidator{}

func (durationValidator) Description(context.Context) string {
	return "must be a positive Go duration such as 30s or 2m"
}

func (v durationValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (durationValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if _, err := parseTimeout(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid Timeout", err.Error())
	}
}

// accountValidator applies the account-name grammar of the user scope's
// user attribute at plan time.
type accountValidator struct{}

var _ validator.String = accountValidator{}

func (accountValidator) Description(context.Context) string {
	return "must be an account name: letters, digits, '_', '.' and '-', beginning with a letter or '_'"
}

func (v accountValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (accountValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if err := systemd.ValidateAccount(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid Account Name",
			fmt.Sprintf("Attribute %s must name an account on the host: %s.", req.Path, err))
	}
}

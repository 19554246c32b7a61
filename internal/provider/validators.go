package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/systemd-tf/terraform-provider-systemd/internal/sshtransport"
	"github.com/systemd-tf/terraform-provider-systemd/internal/systemd"
)

// stringRule is a plan-time check of a string attribute: a null or unknown
// value passes; detail says what is wrong with a value ("" when nothing),
// for an error with summary on the attribute.
type stringRule struct {
	description string
	summary     string
	detail      func(attr path.Path, value string) string
}

var _ validator.String = stringRule{}

func (r stringRule) Description(context.Context) string { return r.description }

func (r stringRule) MarkdownDescription(ctx context.Context) string { return r.Description(ctx) }

func (r stringRule) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if d := r.detail(req.Path, req.ConfigValue.ValueString()); d != "" {
		resp.Diagnostics.AddAttributeError(req.Path, r.summary, d)
	}
}

// unitNameValidator applies systemd's unit-name grammar at plan time, so a
// bad name never reaches a host.
func unitNameValidator() stringRule {
	return stringRule{
		description: "must be a full systemd unit name with its type suffix, e.g. cron.service or getty@tty1.service",
		summary:     "Invalid Unit Name",
		detail: func(attr path.Path, s string) string {
			if err := systemd.ValidateUnitName(s); err != nil {
				return fmt.Sprintf("Attribute %s must be a systemd unit name (systemd.unit(5)): %s.", attr, err)
			}
			return ""
		},
	}
}

// hostValidator accepts what a resource's host may be: HOST or HOST:PORT.
func hostValidator() stringRule {
	return stringRule{
		description: "must be HOST or HOST:PORT, with an IPv6 address in brackets",
		summary:     "Invalid Host",
		detail: func(attr path.Path, s string) string {
			if _, err := sshtransport.ParseAddress(s, defaultPort); err != nil {
				return fmt.Sprintf("Attribute %s must be HOST or HOST:PORT (IPv6 in brackets, e.g. [2001:db8::1]:22): %s.", attr, err)
			}
			return ""
		},
	}
}

// hostWithoutPort is the rule for a host name or address without a port,
// in a block that has a `port` of its own (the provider's, the bastion's),
// which the error names; the environment variables' hosts are checked by
// it too.
type hostWithoutPort struct {
	summary string // of the diagnostic
	port    string // the attribute that takes the port, as the detail names it
}

// providerHost checks the provider's `host`.
var providerHost = hostWithoutPort{summary: "Invalid Host", port: "the provider's `port`"}

// bastionHost checks the bastion block's `host`.
var bastionHost = hostWithoutPort{summary: "Invalid Bastion Host", port: "bastion.port"}

// validator is the rule as a plan-time validator.
func (h hostWithoutPort) validator() stringRule {
	return stringRule{
		description: "must be a host name or address without a port",
		summary:     h.summary,
		detail: func(attr path.Path, s string) string {
			if err := h.check(s); err != nil {
				return fmt.Sprintf("Attribute %s %s.", attr, err)
			}
			return ""
		},
	}
}

func (h hostWithoutPort) check(s string) error {
	_, hasPort, err := sshtransport.SplitAddress(s, defaultPort)
	if err != nil {
		return fmt.Errorf("must be a host name or address (IPv6 in brackets): %w", err)
	}
	if hasPort {
		return fmt.Errorf("must not carry a port (%q): set %s instead", s, h.port)
	}
	return nil
}

// durationValidator checks `timeout` at plan time.
func durationValidator() stringRule {
	return stringRule{
		description: "must be a positive Go duration such as 30s or 2m",
		summary:     "Invalid Timeout",
		detail: func(_ path.Path, s string) string {
			if _, err := parseTimeout(s); err != nil {
				return err.Error()
			}
			return ""
		},
	}
}

// accountValidator applies the account-name grammar of the user scope's
// user attribute at plan time.
func accountValidator() stringRule {
	return stringRule{
		description: "must be an account name: letters, digits, '_', '.' and '-', beginning with a letter or '_'",
		summary:     "Invalid Account Name",
		detail: func(attr path.Path, s string) string {
			if err := systemd.ValidateAccount(s); err != nil {
				return fmt.Sprintf("Attribute %s must name an account on the host: %s.", attr, err)
			}
			return ""
		},
	}
}

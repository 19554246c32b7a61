package provider

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// validate runs v on value as the framework would, at attribute attr.
func validate(v validator.String, attr string, value types.String) diag.Diagnostics {
	req := validator.StringRequest{
		Path:           path.Root(attr),
		PathExpression: path.MatchRoot(attr),
		ConfigValue:    value,
	}
	var resp validator.StringResponse
	v.ValidateString(context.Background(), req, &resp)
	return resp.Diagnostics
}

func TestValidators(t *testing.T) {
	tests := []struct {
		v      validator.String
		attr   string
		value  string
		errors []string // empty: valid; else substrings of the error's detail
	}{
		{unitNameValidator(), "name", "cron.service", nil},
		{unitNameValidator(), "name", "getty@tty1.service", nil},
		{unitNameValidator(), "name", "cups", []string{"cups.service"}},
		{unitNameValidator(), "name", "a;b.service", []string{`";"`}},
		{unitNameValidator(), "name", "", []string{"empty"}},

		{hostValidator(), "host", "web1", nil},
		{hostValidator(), "host", "web1:2222", nil},
		{hostValidator(), "host", "[::1]:22", nil},
		{hostValidator(), "host", "::1", []string{"brackets"}},
		{hostValidator(), "host", "web1:0", []string{"1-65535"}},
		{hostValidator(), "host", "a b", []string{"HOST:PORT"}},

		{providerHost.validator(), "host", "web1", nil},
		{providerHost.validator(), "host", "[::1]", nil},
		{providerHost.validator(), "host", "10.0.0.1", nil},
		// The provider has `port` for that.
		{providerHost.validator(), "host", "web1:22", []string{"must not carry a port", "`port`"}},
		{providerHost.validator(), "host", "[::1]:22", []string{"must not carry a port"}},
		{providerHost.validator(), "host", "::1", []string{"brackets"}},
		{providerHost.validator(), "host", "", []string{"empty"}},

		{durationValidator(), "timeout", "30s", nil},
		{durationValidator(), "timeout", "2m", nil},
		{durationValidator(), "timeout", "1h30m", nil},
		{durationValidator(), "timeout", "abc", []string{`"abc"`, "positive Go duration"}},
		{durationValidator(), "timeout", "30", []string{"positive Go duration"}},
		{durationValidator(), "timeout", "0s", []string{"positive"}},
		{durationValidator(), "timeout", "-5s", []string{"positive"}},
		{durationValidator(), "timeout", "", []string{"positive"}},
	}
	for _, tt := range tests {
		diags := validate(tt.v, tt.attr, types.StringValue(tt.value))
		if len(tt.errors) == 0 {
			if len(diags) != 0 {
				t.Errorf("%T(%q): %v, want no diagnostics", tt.v, tt.value, diags)
			}
			continue
		}
		if diags.ErrorsCount() != 1 || len(diags) != 1 {
			t.Errorf("%T(%q): %v, want one error", tt.v, tt.value, diags)
			continue
		}
		d := diags[0]
		// The error sits on the attribute, so Terraform points at the line.
		dp, ok := d.(diag.DiagnosticWithPath)
		if !ok || !dp.Path().Equal(path.Root(tt.attr)) {
			t.Errorf("%T(%q): diagnostic %v is not on path %s", tt.v, tt.value, d, tt.attr)
		}
		for _, w := range tt.errors {
			if !strings.Contains(d.Detail(), w) {
				t.Errorf("%T(%q): detail %q does not mention %q", tt.v, tt.value, d.Detail(), w)
			}
		}
	}
}

func TestValidatorsNameTheAttribute(t *testing.T) {
	// Where the detail mentions the attribute, it is the one validated.
	for _, tt := range []struct {
		v     validator.String
		attr  string
		value string
	}{
		{unitNameValidator(), "name", "bad"},
		{hostValidator(), "host", "a b"},
		{providerHost.validator(), "host", "h:1"},
	} {
		diags := validate(tt.v, tt.attr, types.StringValue(tt.value))
		if len(diags) != 1 || !strings.Contains(diags[0].Detail(), "Attribute "+tt.attr+" ") {
			t.Errorf("%T: %v does not name attribute %s", tt.v, diags, tt.attr)
		}
	}
}

func TestValidatorsSkipNullAndUnknown(t *testing.T) {
	// Unknown values are checked once known; null ones are optional.
	for _, v := range []validator.String{unitNameValidator(), hostValidator(), providerHost.validator(), durationValidator()} {
		for _, value := range []types.String{types.StringNull(), types.StringUnknown()} {
			if diags := validate(v, "x", value); len(diags) != 0 {
				t.Errorf("%T(%v): %v", v, value, diags)
			}
		}
		if v.Description(context.Background()) == "" || v.MarkdownDescription(context.Background()) == "" {
			t.Errorf("%T has no description", v)
		}
	}
}

package provider

import (
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/types"
)

// FuzzParseImportID: never panics; an accepted ID names a unit without '/'
// and a host that is empty or a valid address.
func FuzzParseImportID(f *testing.F) {
	for _, seed := range []string{
		"cron.service", "web1/cron.service", "web1:2222/cron.service", "[::1]:22/cron.service",
		"/user/a.service", "web1/user:alice/a.service", "web1/global/a.service", "/cron.service",
		"a b/cron.service", "$(id)/x.service", "a/b/c/d", "web1/users/a.service", "",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, id string) {
		imp, err := parseImportID(id)
		if err != nil {
			return
		}
		if strings.Contains(imp.name, "/") || strings.Contains(imp.host, "/") || strings.Contains(imp.user, "/") {
			t.Fatalf("%q gave %+v", id, imp)
		}
		if imp.host != "" {
			if _, err := (&providerData{port: 22}).address(stringValue(imp.host)); err != nil {
				t.Fatalf("%q gave host %q that does not resolve: %v", id, imp.host, err)
			}
		}
	})
}

// FuzzParseMaskID: an id that parses is exactly the id of what it parses to.
func FuzzParseMaskID(f *testing.F) {
	for _, seed := range []string{
		"web1:22/cron.service", "[::1]:22/a.service", "h:22/global/a.service", "h:22/user:bob/a.service",
		"h:22/system/a.service", "h:22//a", "x", "",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, id string) {
		target, err := parseMaskID(id)
		if err != nil {
			return
		}
		if got := target.id(); got != id {
			t.Fatalf("parseMaskID(%q) = %+v, whose id is %q", id, target, got)
		}
	})
}

func stringValue(s string) types.String { return types.StringValue(s) }

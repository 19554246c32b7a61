package provider

import (
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/systemd-tf/terraform-provider-systemd/internal/sshtransport"
)

// A mask's id is "HOST:PORT/NAME": where it lives and what it masks. Unit
// names never contain '/', so the last '/' splits it.
func formatMaskID(addr, name string) string { return addr + "/" + name }

func parseMaskID(id string) (addr, name string, err error) {
	i := strings.LastIndexByte(id, '/')
	if i <= 0 || i == len(id)-1 {
		return "", "", fmt.Errorf("id %q is not HOST:PORT/NAME", id)
	}
	return id[:i], id[i+1:], nil
}

// parseImportID reads "NAME", "HOST/NAME" or "HOST:PORT/NAME" and returns
// the host as written (empty for "NAME") and the unit name.
func parseImportID(id string) (host, name string, err error) {
	i := strings.LastIndexByte(id, '/')
	if i < 0 {
		return "", id, nil
	}
	host, name = id[:i], id[i+1:]
	if host == "" {
		return "", "", fmt.Errorf("import ID %q has nothing before '/': use NAME, HOST/NAME or HOST:PORT/NAME", id)
	}
	if _, err := sshtransport.ParseAddress(host, defaultPort); err != nil {
		return "", "", fmt.Errorf("import ID %q: %w", id, err)
	}
	return host, name, nil
}

// address resolves a resource's host attribute (null: the provider's host)
// to the address to dial.
func (d *providerData) address(host types.String) (string, error) {
	if !host.IsNull() {
		return sshtransport.ParseAddress(host.ValueString(), d.port)
	}
	if d.defaultHost == "" {
		return "", fmt.Errorf("no host to connect to: set `host` on this resource, or on the provider (or %s)", envHost)
	}
	return sshtransport.ParseAddress(d.defaultHost, d.port)
}

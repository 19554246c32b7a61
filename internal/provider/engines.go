package provider

import (
	"fmt"
	"sync"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/systemd-tf/terraform-provider-systemd/internal/systemd"
)

// providerData is what resources receive from Configure.
type providerData struct {
	// unknown is set while the provider's own configuration depends on
	// values not yet known, so targets cannot be resolved during this plan.
	unknown     bool
	defaultHost string
	port        int
	// user is the login user: user-scope masks belong to it.
	user string
	// host is the one Host of an address ("HOST:PORT") and scope, shared by
	// every resource and data source of this provider process, which is
	// what coalesces their commands; Configure wires it to engines over the
	// SSH pool, unit tests to in-memory hosts.
	host func(addr string, scope systemd.Scope) systemd.Host
	// sshConfig, with the provider's ssh_config_file, resolves host names
	// through it; nil without.
	sshConfig *sshConfigHosts
}

// noteHost resolves a mask's host attribute through the ssh_config_file,
// when there is one, before its stored address is reached: the address
// then gets the settings of the name it was written as (a refresh comes
// before any plan of the same run). A name that no longer resolves is for
// the plan to report.
func (d *providerData) noteHost(host types.String) {
	if d.sshConfig != nil && !host.IsUnknown() {
		_, _ = d.address(host)
	}
}

// loginUser is the user the provider logs in to addr as: user-scope
// masks belong to it.
func (d *providerData) loginUser(addr string) string {
	if d.sshConfig != nil {
		if u, ok := d.sshConfig.userFor(addr); ok {
			return u
		}
	}
	return d.user
}

// providerDataOf is what Configure handed a resource, data source or list
// resource: nil before the provider is configured.
func providerDataOf(pd any, diags *diag.Diagnostics) *providerData {
	if pd == nil {
		return nil
	}
	data, ok := pd.(*providerData)
	if !ok {
		diags.AddError("Unexpected Provider Data", fmt.Sprintf("expected *providerData, got %T", pd))
		return nil
	}
	return data
}

// engineSet holds the one Engine of each host and scope in this provider
// process.
type engineSet struct {
	runner func(addr string) systemd.Runner
	sudo   bool
	// traffic is every engine's: a write lingers while any host is busy.
	traffic systemd.Traffic
	mu      sync.Mutex
	m       map[engineKey]*systemd.Engine
}

type engineKey struct {
	addr  string
	scope systemd.Scope
}

func (set *engineSet) host(addr string, scope systemd.Scope) systemd.Host {
	set.mu.Lock()
	defer set.mu.Unlock()
	k := engineKey{addr, scope}
	e, ok := set.m[k]
	if !ok {
		if set.m == nil {
			set.m = map[engineKey]*systemd.Engine{}
		}
		e = systemd.NewEngine(set.runner(addr), scope, set.sudo)
		e.Traffic = &set.traffic
		set.m[k] = e
	}
	return e
}

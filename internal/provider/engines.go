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
	// user is the login user: user-scope masks belong to it unless they
	// name another account.
	user string
	// sudo: the provider runs what needs root through sudo.
	sudo bool
	// host is the one Host of an address ("HOST:PORT") and manager, shared by
	// every resource and data source of this provider process, which is
	// what coalesces their commands; Configure wires it to engines over the
	// SSH pool, unit tests to in-memory hosts.
	host func(addr string, m systemd.Manager) systemd.Host
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

// checkAccount says why a user unit of account cannot be managed on
// addr, before anything reaches the host: another account's units need
// root.
func (d *providerData) checkAccount(addr, account string) error {
	login := d.loginUser(addr)
	if account == login || login == "root" || d.sudo {
		return nil
	}
	return fmt.Errorf("user = %q names another account than the login user %q, and its user units are reached as root "+
		"(`systemctl --user --machine=%s@`, and its directories, which only it and root may read): log in as root, "+
		"or set sudo = true (or sudo_password), or leave user unset to manage %s's own units", account, login, account, login)
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

// engineSet holds the one Engine of each host and manager in this
// provider process.
type engineSet struct {
	runner func(addr string) systemd.Runner
	sudo   bool
	// traffic is every engine's: a write lingers while any host is busy.
	traffic systemd.Traffic
	mu      sync.Mutex
	m       map[engineKey]*systemd.Engine
}

type engineKey struct {
	addr string
	mgr  systemd.Manager
}

func (set *engineSet) host(addr string, m systemd.Manager) systemd.Host {
	set.mu.Lock()
	defer set.mu.Unlock()
	k := engineKey{addr, m}
	e, ok := set.m[k]
	if !ok {
		if set.m == nil {
			set.m = map[engineKey]*systemd.Engine{}
		}
		e = systemd.NewManagerEngine(set.runner(addr), m, set.sudo)
		e.Traffic = &set.traffic
		set.m[k] = e
	}
	return e
}

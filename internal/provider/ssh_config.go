package provider

import (
	"context"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"

	"github.com/systemd-tf/terraform-provider-systemd/internal/sshtransport"
	"github.com/systemd-tf/terraform-provider-systemd/internal/sshtransport/sshconfig"
	"github.com/systemd-tf/terraform-provider-systemd/internal/systemd"
)

const envSSHConfigFile = "SYSTEMD_SSH_CONFIG_FILE"

// sshConfigHosts reaches hosts as ssh does with `-F ssh_config_file`: each
// name is resolved through the file to its address and its own login
// settings, and hosts with the same settings share one pool. What HCL or
// the environment sets wins over the file.
type sshConfigHosts struct {
	file  *sshconfig.Config
	local sshconfig.Local
	base  sshtransport.Config
	given given

	mu     sync.Mutex
	pools  map[string]*sshtransport.Pool // by settingsKey
	byAddr map[string]resolvedHost
}

// given says which settings HCL or the environment gave.
type given struct {
	port, user, key, hostKeys, agent, bastion bool
}

type resolvedHost struct {
	alias string
	key   string
	user  string
	pool  *sshtransport.Pool
	// byAddress: registered for an address met without its name (a
	// refresh before the plan, an import ID); the name replaces it.
	byAddress bool
}

// loadSSHConfig reads the provider's ssh_config_file, and warns about the
// lines that ask for less host key checking than the provider does.
func loadSSHConfig(file string, diags *diag.Diagnostics) (*sshconfig.Config, sshconfig.Local, bool) {
	at := path.Root("ssh_config_file")
	local, err := sshconfig.CurrentLocal()
	if err != nil {
		diags.AddAttributeError(at, "Invalid SSH Configuration File", err.Error())
		return nil, local, false
	}
	cfg, err := sshconfig.Load(expandHome(file), local.Home)
	if err != nil {
		diags.AddAttributeError(at, "Invalid SSH Configuration File",
			fmt.Sprintf("%s.\n\nFix the file, or leave `ssh_config_file` (and %s) unset to configure connections in HCL alone.", err, envSSHConfigFile))
		return nil, local, false
	}
	for _, v := range cfg.Values("stricthostkeychecking") {
		if len(v.Args) > 0 && !slices.Contains([]string{"yes", "true", "ask"}, strings.ToLower(v.Args[0])) {
			diags.AddAttributeWarning(at, "Host Keys Are Still Verified",
				fmt.Sprintf("%s line %d sets StrictHostKeyChecking %s: this provider verifies host keys all the same, against the "+
					"known_hosts files, and never adds a key to them. Unknown hosts are refused; add their keys with ssh-keyscan "+
					"after checking the fingerprints, or set the provider's `insecure_ignore_host_key`.", v.File, v.Line, v.Args[0]))
		}
	}
	return cfg, local, true
}

// address resolves a host attribute ("NAME" or "NAME:PORT") through the
// file: the address to dial, whose connection settings it records.
func (h *sshConfigHosts) address(s string, providerPort int) (string, error) {
	joined, hasPort, err := sshtransport.SplitAddress(s, providerPort)
	if err != nil {
		return "", err
	}
	name, portText, _ := net.SplitHostPort(joined)
	r, err := h.file.Resolve(name, h.local)
	if err != nil {
		return "", fmt.Errorf("resolving %q through ssh_config_file: %w", name, err)
	}
	port := r.Port
	if hasPort || h.given.port {
		port, _ = strconv.Atoi(portText)
	}
	addr := net.JoinHostPort(r.HostName, strconv.Itoa(port))
	cfg, err := h.configFor(r)
	if err != nil {
		return "", err
	}
	key := settingsKey(cfg)
	h.mu.Lock()
	defer h.mu.Unlock()
	if prev, ok := h.byAddr[addr]; ok && (!prev.byAddress || name == prev.alias) {
		if prev.key != key {
			return "", fmt.Errorf("%q and %q both reach %s through ssh_config_file, with different login settings: "+
				"give them one Host block, or address the host by one name", prev.alias, name, addr)
		}
		return addr, nil
	}
	pool, ok := h.pools[key]
	if !ok {
		if pool, err = sshtransport.NewPool(cfg); err != nil {
			return "", fmt.Errorf("the connection settings ssh_config_file gives %q: %w", name, err)
		}
		h.pools[key] = pool
	}
	h.byAddr[addr] = resolvedHost{alias: name, key: key, user: cfg.User, pool: pool, byAddress: joined == addr}
	return addr, nil
}

// configFor is the transport's settings for a resolved host: the
// provider's, with the file's where the provider gave none.
func (h *sshConfigHosts) configFor(r *sshconfig.Host) (sshtransport.Config, error) {
	cfg := h.base
	cfg.IdentityFiles, cfg.KnownHostsFiles = nil, nil
	if !h.given.user && r.Set["user"] {
		cfg.User = r.User
	}
	if !h.given.key {
		cfg.IdentityFiles = r.IdentityFiles
		cfg.CertificateFiles = r.CertificateFiles
	}
	if !h.given.agent {
		switch {
		case r.IdentityAgent == "none" || r.IdentitiesOnly && len(cfg.IdentityFiles) > 0:
			// IdentitiesOnly: only the files' keys, so that an agent full
			// of keys does not use up the server's MaxAuthTries.
			cfg.Agent = false
		case r.IdentityAgent != "" && r.IdentityAgent != "SSH_AUTH_SOCK":
			cfg.Agent, cfg.AgentSocket = true, r.IdentityAgent
		}
	}
	if !h.given.hostKeys {
		cfg.KnownHostsFiles = knownHostsFiles(r)
	}
	if h.given.bastion || len(r.ProxyJump) == 0 {
		return cfg, nil
	}
	// Each hop of the chain is resolved through the file too, and logs in
	// with what the file says of it.
	var first, last *sshtransport.Bastion
	for _, jump := range r.ProxyJump {
		jr, err := h.file.Resolve(jump.Host, h.local)
		if err != nil {
			return cfg, fmt.Errorf("resolving the jump host %q through ssh_config_file: %w", jump.Host, err)
		}
		if len(jr.ProxyJump) > 0 {
			return cfg, fmt.Errorf("the jump host %q of %q has a ProxyJump of its own (%s): give the whole chain in %q's ProxyJump instead",
				jump.Host, r.Alias, joinJumps(jr.ProxyJump), r.Alias)
		}
		port := jr.Port
		if jump.Port != 0 {
			port = jump.Port
		}
		b := jumpDefaults(cfg, net.JoinHostPort(jr.HostName, strconv.Itoa(port)))
		switch {
		case jump.User != "":
			b.User = jump.User
		case jr.Set["user"]:
			b.User = jr.User
		}
		if !h.given.key {
			b.IdentityFiles = jr.IdentityFiles
		}
		if h.base.KnownHostsFile == "" {
			b.KnownHostsFiles = knownHostsFiles(jr)
		}
		if first == nil {
			first = b
		} else {
			last.Next = b
		}
		last = b
	}
	cfg.Bastion = first
	return cfg, nil
}

func knownHostsFiles(r *sshconfig.Host) []string {
	var files []string
	for _, f := range append(append([]string(nil), r.UserKnownHostsFiles...), r.GlobalKnownHostsFiles...) {
		if f != "none" {
			files = append(files, f)
		}
	}
	return files
}

func joinJumps(jumps []sshconfig.Jump) string {
	parts := make([]string, len(jumps))
	for i, j := range jumps {
		parts[i] = j.String()
	}
	return strings.Join(parts, ",")
}

// settingsKey tells apart transport settings that need pools of their
// own. Secrets come from the provider's settings, alike for every host.
func settingsKey(c sshtransport.Config) string {
	parts := []string{c.User, strings.Join(c.IdentityFiles, "\x00"), strings.Join(c.CertificateFiles, "\x00"),
		strings.Join(c.KnownHostsFiles, "\x00"), strconv.FormatBool(c.Agent), c.AgentSocket}
	for b := c.Bastion; b != nil; b = b.Next {
		parts = append(parts, b.Addr, b.User, strings.Join(b.IdentityFiles, "\x00"), strings.Join(b.KnownHostsFiles, "\x00"))
	}
	return strings.Join(parts, "\x01")
}

// runner runs addr's commands on the pool of whatever settings addr has
// when each command runs: a name met later (the plan after a refresh)
// brings its own. An address no name resolved to is resolved as a name
// itself, as ssh resolves an address given to it.
func (h *sshConfigHosts) runner(addr string) systemd.Runner {
	return configRunner{h: h, addr: addr}
}

type configRunner struct {
	h    *sshConfigHosts
	addr string
}

func (c configRunner) Run(ctx context.Context, cmd systemd.Command) (systemd.Result, error) {
	c.h.mu.Lock()
	r, ok := c.h.byAddr[c.addr]
	c.h.mu.Unlock()
	if !ok {
		if _, err := c.h.address(c.addr, 0); err != nil {
			return systemd.Result{}, err
		}
		c.h.mu.Lock()
		r, ok = c.h.byAddr[c.addr]
		c.h.mu.Unlock()
		if !ok {
			return systemd.Result{}, fmt.Errorf("%s resolves through ssh_config_file to another address", c.addr)
		}
	}
	return r.pool.Runner(c.addr).Run(ctx, cmd)
}

// userFor is the login user at addr.
func (h *sshConfigHosts) userFor(addr string) (string, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	r, ok := h.byAddr[addr]
	return r.user, ok
}

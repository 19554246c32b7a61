package provider

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/systemd-tf/terraform-provider-systemd/internal/sshtransport"
)

// Defaults, applied in Configure: provider schemas take no Default.
const (
	defaultPort    = 22
	defaultUser    = "root"
	defaultTimeout = "30s"
)

// Environment variables that stand in for unset provider attributes.
const (
	envHost                  = "SYSTEMD_SSH_HOST"
	envPort                  = "SYSTEMD_SSH_PORT"
	envUser                  = "SYSTEMD_SSH_USER"
	envPrivateKey            = "SYSTEMD_SSH_PRIVATE_KEY"
	envPrivateKeyPassphrase  = "SYSTEMD_SSH_PRIVATE_KEY_PASSPHRASE"
	envPassword              = "SYSTEMD_SSH_PASSWORD"
	envAgent                 = "SYSTEMD_SSH_AGENT"
	envKnownHostsFile        = "SYSTEMD_SSH_KNOWN_HOSTS_FILE"
	envHostKey               = "SYSTEMD_SSH_HOST_KEY"
	envInsecureIgnoreHostKey = "SYSTEMD_SSH_INSECURE_IGNORE_HOST_KEY"
	envSudo                  = "SYSTEMD_SUDO"
	envSudoPassword          = "SYSTEMD_SUDO_PASSWORD"
	envTimeout               = "SYSTEMD_SSH_TIMEOUT"
	envCertificate           = "SYSTEMD_SSH_CERTIFICATE"
	envAgentIdentity         = "SYSTEMD_SSH_AGENT_IDENTITY"
	envBastionHost           = "SYSTEMD_SSH_BASTION_HOST"
	envBastionPort           = "SYSTEMD_SSH_BASTION_PORT"
	envBastionUser           = "SYSTEMD_SSH_BASTION_USER"
)

// settings resolves the provider's settings, each from its HCL value, else
// from the environment variable that stands in for it, else from its
// default. An environment variable set to "" counts as unset. It reports
// an environment variable it cannot read on the attribute it stands in for.
type settings struct {
	diags     *diag.Diagnostics
	lookupEnv func(string) (string, bool)
}

// env is the value of the environment variable name, "" when unset.
func (s settings) env(name string) string {
	if e, ok := s.lookupEnv(name); ok {
		return e
	}
	return ""
}

func (s settings) str(v types.String, env, def string) string {
	if !v.IsNull() {
		return v.ValueString()
	}
	if e := s.env(env); e != "" {
		return e
	}
	return def
}

func (s settings) boolean(attr path.Path, v types.Bool, env string, def bool) bool {
	if !v.IsNull() {
		return v.ValueBool()
	}
	if e := s.env(env); e != "" {
		b, err := strconv.ParseBool(e)
		if err != nil {
			s.diags.AddAttributeError(attr, "Invalid Environment Variable",
				fmt.Sprintf("%s=%q is not a boolean: use true or false (it stands in for the provider's `%s`).", env, e, attr))
		}
		return b
	}
	return def
}

// port defaults to defaultPort.
func (s settings) port(attr path.Path, v types.Int64, env string) int {
	if !v.IsNull() {
		return int(v.ValueInt64())
	}
	e := s.env(env)
	if e == "" {
		return defaultPort
	}
	n, err := strconv.Atoi(e)
	if err != nil || n < 1 || n > 65535 {
		s.diags.AddAttributeError(attr, "Invalid Environment Variable",
			fmt.Sprintf("%s=%q is not a port number (1-65535); it stands in for the provider's `%s`.", env, e, attr))
	}
	return n
}

// resolveConnection applies the environment variables and the defaults to
// the configuration: the targets, and the SSH transport's settings.
func resolveConnection(ctx context.Context, cfg providerModel, diags *diag.Diagnostics) (*providerData, sshtransport.Config) {
	var bastions []bastionModel
	if !cfg.Bastion.IsNull() && !cfg.Bastion.IsUnknown() {
		diags.Append(cfg.Bastion.ElementsAs(ctx, &bastions, false)...)
		if diags.HasError() {
			return nil, sshtransport.Config{}
		}
	}
	unknown := anyUnknown(cfg.Host, cfg.Port, cfg.User, cfg.PrivateKey, cfg.PrivateKeyPassphrase, cfg.Password, cfg.Agent,
		cfg.KnownHostsFile, cfg.HostKey, cfg.InsecureIgnoreHostKey, cfg.Sudo, cfg.SudoPassword, cfg.Timeout,
		cfg.Certificate, cfg.SSHConfigFile, cfg.AgentIdentity, cfg.Proxy, cfg.Bastion)
	for _, b := range bastions {
		unknown = unknown || anyUnknown(b.Host, b.Port, b.User, b.PrivateKey, b.Password, b.KnownHostsFile, b.HostKey)
	}
	if unknown {
		return &providerData{unknown: true}, sshtransport.Config{}
	}

	s := settings{diags: diags, lookupEnv: os.LookupEnv}
	data := &providerData{defaultHost: s.str(cfg.Host, envHost, ""), port: s.port(path.Root("port"), cfg.Port, envPort)}
	if data.defaultHost != "" && cfg.Host.IsNull() {
		if err := providerHost.check(data.defaultHost); err != nil {
			diags.AddAttributeError(path.Root("host"), "Invalid Environment Variable", fmt.Sprintf("%s: %s", envHost, err))
		}
	}

	timeoutText := s.str(cfg.Timeout, envTimeout, defaultTimeout)
	timeout, err := parseTimeout(timeoutText)
	if err != nil {
		diags.AddAttributeError(path.Root("timeout"), "Invalid Timeout", err.Error())
	}

	tc := sshtransport.Config{
		User:                  s.str(cfg.User, envUser, defaultUser),
		PrivateKey:            s.str(cfg.PrivateKey, envPrivateKey, ""),
		PrivateKeyPassphrase:  s.str(cfg.PrivateKeyPassphrase, envPrivateKeyPassphrase, ""),
		Certificate:           s.str(cfg.Certificate, envCertificate, ""),
		Password:              s.str(cfg.Password, envPassword, ""),
		AgentSocket:           s.env("SSH_AUTH_SOCK"),
		AgentIdentity:         s.str(cfg.AgentIdentity, envAgentIdentity, ""),
		KnownHostsFile:        expandHome(s.str(cfg.KnownHostsFile, envKnownHostsFile, "")),
		HostKey:               s.str(cfg.HostKey, envHostKey, ""),
		InsecureIgnoreHostKey: s.boolean(path.Root("insecure_ignore_host_key"), cfg.InsecureIgnoreHostKey, envInsecureIgnoreHostKey, false),
		SudoPassword:          s.str(cfg.SudoPassword, envSudoPassword, ""),
		Timeout:               timeout,
	}
	data.user = tc.User
	tc.Agent = s.boolean(path.Root("agent"), cfg.Agent, envAgent, tc.AgentSocket != "" && tc.PrivateKey == "" && tc.Password == "")
	tc.Sudo = s.boolean(path.Root("sudo"), cfg.Sudo, envSudo, false) || tc.SudoPassword != ""
	tc.Bastion = resolveBastions(s, bastions, tc)
	if u := s.str(cfg.Proxy, "ALL_PROXY", s.env("all_proxy")); u != "" {
		tc.Proxy = &sshtransport.Proxy{URL: u, NoProxy: s.str(types.StringNull(), "NO_PROXY", s.env("no_proxy"))}
	}
	if file := s.str(cfg.SSHConfigFile, envSSHConfigFile, ""); file != "" {
		if sc, local, ok := loadSSHConfig(file, diags); ok {
			data.sshConfig = &sshConfigHosts{file: sc, local: local,
				pools: map[string]*sshtransport.Pool{}, byAddr: map[string]resolvedHost{},
				given: given{
					port:     !cfg.Port.IsNull() || s.env(envPort) != "",
					user:     !cfg.User.IsNull() || s.env(envUser) != "",
					key:      tc.PrivateKey != "",
					hostKeys: tc.KnownHostsFile != "" || tc.HostKey != "" || tc.InsecureIgnoreHostKey,
					agent:    !cfg.Agent.IsNull() || s.env(envAgent) != "",
					bastion:  tc.Bastion != nil,
				}}
		}
	}
	if diags.HasError() {
		return data, tc
	}

	if tc.InsecureIgnoreHostKey && tc.HostKey != "" {
		diags.AddAttributeError(path.Root("insecure_ignore_host_key"), "Conflicting Host Key Settings",
			"insecure_ignore_host_key is true and host_key pins a key: remove one of them (keep host_key to verify the host).")
		return data, tc
	}
	if tc.InsecureIgnoreHostKey {
		hosts := "the hosts"
		if tc.Bastion != nil && tc.Bastion.InsecureIgnoreHostKey {
			hosts = "the hosts and the bastion"
		}
		diags.AddAttributeWarning(path.Root("insecure_ignore_host_key"), "Host Keys Are Not Verified",
			"insecure_ignore_host_key is true: this provider accepts any SSH host key, so anyone able to intercept "+
				"the connection can impersonate "+hosts+" and receive the credentials and commands. Use "+
				"known_hosts_file or host_key instead.")
	}
	return data, tc
}

// resolveBastions chains the bastion blocks, in order, each with its
// defaults applied. It returns nil without a bastion.
func resolveBastions(s settings, blocks []bastionModel, tc sshtransport.Config) *sshtransport.Bastion {
	if len(blocks) == 0 {
		// The environment alone can turn the bastion on.
		if s.env(envBastionHost) == "" {
			return nil
		}
		blocks = []bastionModel{{}}
	}
	var first, last *sshtransport.Bastion
	for i := range blocks {
		b := resolveBastion(s, &blocks[i], i, tc)
		if b == nil {
			return nil
		}
		if first == nil {
			first = b
		} else {
			last.Next = b
		}
		last = b
	}
	return first
}

// resolveBastion applies one bastion's defaults: for the first, the
// environment for host, port and user; then the targets' settings.
func resolveBastion(s settings, b *bastionModel, i int, tc sshtransport.Config) *sshtransport.Bastion {
	attr := func(name string) path.Path { return path.Root("bastion").AtListIndex(i).AtName(name) }
	envHostName, envPortName, envUserName := envBastionHost, envBastionPort, envBastionUser
	if i > 0 {
		// The variables configure the first hop only.
		envHostName, envPortName, envUserName = "", "", ""
	}
	host := s.str(b.Host, envHostName, "")
	if host == "" && b.Host.IsNull() {
		detail := "The bastion block needs `host` (or the environment variable " + envBastionHost + "): the address of the jump host to connect through."
		if i > 0 {
			detail = "Every bastion block after the first needs `host`: the address of the jump host to reach through the one before it."
		}
		s.diags.AddAttributeError(attr("host"), "Missing Bastion Host", detail)
		return nil
	}
	if b.Host.IsNull() {
		if err := bastionHost.check(host); err != nil {
			s.diags.AddAttributeError(attr("host"), "Invalid Environment Variable", fmt.Sprintf("%s: %s", envBastionHost, err))
			return nil
		}
	}
	addr, err := sshtransport.ParseAddress(host, s.port(attr("port"), b.Port, envPortName))
	if err != nil {
		s.diags.AddAttributeError(attr("host"), "Invalid Bastion Host", err.Error())
		return nil
	}
	out := jumpDefaults(tc, addr)
	out.User = s.str(b.User, envUserName, tc.User)
	out.HostKey = b.HostKey.ValueString()
	// insecure_ignore_host_key covers the bastion unless the block says how
	// to check its key.
	out.InsecureIgnoreHostKey = tc.InsecureIgnoreHostKey && b.HostKey.IsNull() && b.KnownHostsFile.IsNull()
	if !b.PrivateKey.IsNull() {
		// The targets' certificate is for the targets' key.
		out.PrivateKey, out.Certificate = b.PrivateKey.ValueString(), ""
	}
	if !b.Password.IsNull() {
		out.Password = b.Password.ValueString()
	}
	if !b.KnownHostsFile.IsNull() {
		out.KnownHostsFile = expandHome(b.KnownHostsFile.ValueString())
	}
	return out
}

// jumpDefaults is a jump host at addr that logs in as the targets do: their
// user, key, passphrase, certificate, password, agent, known_hosts file and
// insecure_ignore_host_key, for the caller to override.
func jumpDefaults(tc sshtransport.Config, addr string) *sshtransport.Bastion {
	return &sshtransport.Bastion{
		Addr:                  addr,
		User:                  tc.User,
		PrivateKey:            tc.PrivateKey,
		PrivateKeyPassphrase:  tc.PrivateKeyPassphrase,
		Certificate:           tc.Certificate,
		Password:              tc.Password,
		Agent:                 tc.Agent,
		KnownHostsFile:        tc.KnownHostsFile,
		InsecureIgnoreHostKey: tc.InsecureIgnoreHostKey,
	}
}

func parseTimeout(s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("`timeout` is %q: give a positive Go duration such as \"30s\" or \"2m\"", s)
	}
	return d, nil
}

func expandHome(p string) string {
	if len(p) >= 2 && p[:2] == "~/" {
		if home, err := os.UserHomeDir(); err == nil {
			return home + p[1:]
		}
	}
	return p
}

type unknowable interface{ IsUnknown() bool }

func anyUnknown(vs ...unknowable) bool {
	for _, v := range vs {
		if v.IsUnknown() {
			return true
		}
	}
	return false
}

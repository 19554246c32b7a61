// Package provider is the Terraform side of the systemd provider: schemas,
// plan logic and diagnostics. systemd knowledge lives in internal/systemd and
// SSH in internal/sshtransport; Configure wires them together.
package provider

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/systemd-tf/terraform-provider-systemd/internal/sshtransport"
	"github.com/systemd-tf/terraform-provider-systemd/internal/systemd"
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
)

var _ provider.Provider = &systemdProvider{}

type systemdProvider struct {
	version string
}

// New returns the provider factory that main and the tests serve.
func New(version string) func() provider.Provider {
	return func() provider.Provider { return &systemdProvider{version: version} }
}

type providerModel struct {
	Host                  types.String `tfsdk:"host"`
	Port                  types.Int64  `tfsdk:"port"`
	User                  types.String `tfsdk:"user"`
	PrivateKey            types.String `tfsdk:"private_key"`
	PrivateKeyPassphrase  types.String `tfsdk:"private_key_passphrase"`
	Password              types.String `tfsdk:"password"`
	Agent                 types.Bool   `tfsdk:"agent"`
	KnownHostsFile        types.String `tfsdk:"known_hosts_file"`
	HostKey               types.String `tfsdk:"host_key"`
	InsecureIgnoreHostKey types.Bool   `tfsdk:"insecure_ignore_host_key"`
	Sudo                  types.Bool   `tfsdk:"sudo"`
	SudoPassword          types.String `tfsdk:"sudo_password"`
	Timeout               types.String `tfsdk:"timeout"`
}

func (p *systemdProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "systemd"
	resp.Version = p.version
}

func envNote(name string) string { return fmt.Sprintf(" Environment variable: `%s`.", name) }

func (p *systemdProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Manages the mask state of systemd units on Linux hosts over SSH. " +
			"Every attribute is optional: resources may name their own `host`, and every attribute " +
			"falls back to an environment variable when unset.",
		Attributes: map[string]schema.Attribute{
			"host": schema.StringAttribute{
				MarkdownDescription: "Host to connect to when a resource names none: a DNS name, an IPv4 address, or an IPv6 address in brackets (`[2001:db8::1]`). Give the port with `port`." + envNote(envHost),
				Optional:            true,
				Validators:          []validator.String{providerHostValidator{}},
			},
			"port": schema.Int64Attribute{
				MarkdownDescription: "SSH port (1-65535), for the provider's `host` and for resource hosts written without a port. Defaults to `22`." + envNote(envPort),
				Optional:            true,
				Validators:          []validator.Int64{int64validator.Between(1, 65535)},
			},
			"user": schema.StringAttribute{
				MarkdownDescription: "User to log in as. Defaults to `root`; any other user needs `sudo` (or `sudo_password`) to change system units." + envNote(envUser),
				Optional:            true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"private_key": schema.StringAttribute{
				MarkdownDescription: "Contents of the private key to log in with, in OpenSSH or PEM format, e.g. `file(\"~/.ssh/id_ed25519\")`." + envNote(envPrivateKey) + " It holds the key's contents too, not a path.",
				Optional:            true,
				Sensitive:           true,
			},
			"private_key_passphrase": schema.StringAttribute{
				MarkdownDescription: "Passphrase of an encrypted `private_key`." + envNote(envPrivateKeyPassphrase),
				Optional:            true,
				Sensitive:           true,
			},
			"password": schema.StringAttribute{
				MarkdownDescription: "Password to log in with (password or keyboard-interactive authentication)." + envNote(envPassword),
				Optional:            true,
				Sensitive:           true,
			},
			"agent": schema.BoolAttribute{
				MarkdownDescription: "Authenticate with the keys of the ssh-agent at `SSH_AUTH_SOCK`. Defaults to `true` when `SSH_AUTH_SOCK` is set and neither `private_key` nor `password` is given, `false` otherwise." + envNote(envAgent),
				Optional:            true,
			},
			"known_hosts_file": schema.StringAttribute{
				MarkdownDescription: "OpenSSH known_hosts file that host keys are checked against. Defaults to `~/.ssh/known_hosts`. A host whose key is not in it is refused; add it with `ssh-keyscan`, after checking its fingerprint." + envNote(envKnownHostsFile),
				Optional:            true,
			},
			"host_key": schema.StringAttribute{
				MarkdownDescription: "Pin one host public key, in authorized_keys format (the contents of the host's `/etc/ssh/ssh_host_ed25519_key.pub`). When set it wins over `known_hosts_file`, and every host this provider reaches must present this key." + envNote(envHostKey),
				Optional:            true,
			},
			"insecure_ignore_host_key": schema.BoolAttribute{
				MarkdownDescription: "Accept any host key, which lets anyone between Terraform and the host impersonate it. Defaults to `false`; when `true`, every plan carries a warning. Cannot be combined with `host_key`." + envNote(envInsecureIgnoreHostKey),
				Optional:            true,
			},
			"sudo": schema.BoolAttribute{
				MarkdownDescription: "Run `systemctl` through `sudo -n` (sudo without a password). Defaults to `false`; implied by `sudo_password`. Reading mask state needs no privileges and never uses sudo." + envNote(envSudo),
				Optional:            true,
			},
			"sudo_password": schema.StringAttribute{
				MarkdownDescription: "Password for sudo: `systemctl` then runs through `sudo -S`, and the password goes to sudo's standard input, never onto a command line. Implies `sudo`." + envNote(envSudoPassword),
				Optional:            true,
				Sensitive:           true,
			},
			"timeout": schema.StringAttribute{
				MarkdownDescription: "Bound on connecting and the SSH handshake, and on each remote command, as a positive Go duration (`30s`, `2m`). Defaults to `" + defaultTimeout + "`." + envNote(envTimeout),
				Optional:            true,
				Validators:          []validator.String{durationValidator{}},
			},
		},
	}
}

// providerData is what resources receive from Configure.
type providerData struct {
	// unknown is set while the provider's own configuration depends on
	// values not yet known, so targets cannot be resolved during this plan.
	unknown     bool
	defaultHost string
	port        int
	// user is the login user: user-scope masks belong to it.
	user string
	// runner reaches a host ("HOST:PORT"); Configure wires it to the SSH
	// pool, tests to fakes.
	runner func(addr string) systemd.Runner
}

func (p *systemdProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	var cfg providerModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if anyUnknown(cfg.Host, cfg.Port, cfg.User, cfg.PrivateKey, cfg.PrivateKeyPassphrase, cfg.Password, cfg.Agent,
		cfg.KnownHostsFile, cfg.HostKey, cfg.InsecureIgnoreHostKey, cfg.Sudo, cfg.SudoPassword, cfg.Timeout) {
		data := &providerData{unknown: true}
		resp.ResourceData, resp.DataSourceData = data, data
		return
	}

	str := func(v types.String, env, def string) string {
		if !v.IsNull() {
			return v.ValueString()
		}
		if e, ok := os.LookupEnv(env); ok && e != "" {
			return e
		}
		return def
	}
	boolean := func(attr string, v types.Bool, env string, def bool) bool {
		if !v.IsNull() {
			return v.ValueBool()
		}
		if e, ok := os.LookupEnv(env); ok && e != "" {
			b, err := strconv.ParseBool(e)
			if err != nil {
				resp.Diagnostics.AddAttributeError(path.Root(attr), "Invalid Environment Variable",
					fmt.Sprintf("%s=%q is not a boolean: use true or false (it stands in for the provider's `%s`).", env, e, attr))
			}
			return b
		}
		return def
	}

	data := &providerData{defaultHost: str(cfg.Host, envHost, ""), port: defaultPort}
	if !cfg.Port.IsNull() {
		data.port = int(cfg.Port.ValueInt64())
	} else if e := os.Getenv(envPort); e != "" {
		n, err := strconv.Atoi(e)
		if err != nil || n < 1 || n > 65535 {
			resp.Diagnostics.AddAttributeError(path.Root("port"), "Invalid Environment Variable",
				fmt.Sprintf("%s=%q is not a port number (1-65535); it stands in for the provider's `port`.", envPort, e))
		}
		data.port = n
	}
	if data.defaultHost != "" && cfg.Host.IsNull() {
		if err := checkProviderHost(data.defaultHost); err != nil {
			resp.Diagnostics.AddAttributeError(path.Root("host"), "Invalid Environment Variable", fmt.Sprintf("%s: %s", envHost, err))
		}
	}

	timeoutText := str(cfg.Timeout, envTimeout, defaultTimeout)
	timeout, err := parseTimeout(timeoutText)
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("timeout"), "Invalid Timeout", err.Error())
	}

	tc := sshtransport.Config{
		User:                  str(cfg.User, envUser, defaultUser),
		PrivateKey:            str(cfg.PrivateKey, envPrivateKey, ""),
		PrivateKeyPassphrase:  str(cfg.PrivateKeyPassphrase, envPrivateKeyPassphrase, ""),
		Password:              str(cfg.Password, envPassword, ""),
		AgentSocket:           os.Getenv("SSH_AUTH_SOCK"),
		KnownHostsFile:        expandHome(str(cfg.KnownHostsFile, envKnownHostsFile, "")),
		HostKey:               str(cfg.HostKey, envHostKey, ""),
		InsecureIgnoreHostKey: boolean("insecure_ignore_host_key", cfg.InsecureIgnoreHostKey, envInsecureIgnoreHostKey, false),
		SudoPassword:          str(cfg.SudoPassword, envSudoPassword, ""),
		Timeout:               timeout,
	}
	data.user = tc.User
	tc.Agent = boolean("agent", cfg.Agent, envAgent, tc.AgentSocket != "" && tc.PrivateKey == "" && tc.Password == "")
	tc.Sudo = boolean("sudo", cfg.Sudo, envSudo, false) || tc.SudoPassword != ""
	if resp.Diagnostics.HasError() {
		return
	}

	if tc.InsecureIgnoreHostKey && tc.HostKey != "" {
		resp.Diagnostics.AddAttributeError(path.Root("insecure_ignore_host_key"), "Conflicting Host Key Settings",
			"insecure_ignore_host_key is true and host_key pins a key: remove one of them (keep host_key to verify the host).")
		return
	}
	if tc.InsecureIgnoreHostKey {
		resp.Diagnostics.AddAttributeWarning(path.Root("insecure_ignore_host_key"), "Host Keys Are Not Verified",
			"insecure_ignore_host_key is true: this provider accepts any SSH host key, so anyone able to intercept "+
				"the connection can impersonate the hosts and receive the credentials and commands. Use "+
				"known_hosts_file or host_key instead.")
	}

	pool, err := sshtransport.NewPool(tc)
	if err != nil {
		addConfigError(&resp.Diagnostics, err)
		return
	}
	data.runner = pool.Runner
	resp.ResourceData, resp.DataSourceData = data, data
}

func (p *systemdProvider) Resources(_ context.Context) []func() resource.Resource {
	return []func() resource.Resource{NewUnitMaskResource}
}

func (p *systemdProvider) DataSources(_ context.Context) []func() datasource.DataSource {
	return nil
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

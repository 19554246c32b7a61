// Package provider is the Terraform side of the systemd provider: schemas,
// plan logic and diagnostics. systemd knowledge lives in internal/systemd and
// SSH in internal/sshtransport; Configure wires them together.
package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/function"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/systemd-tf/terraform-provider-systemd/internal/sshtransport"
	"github.com/systemd-tf/terraform-provider-systemd/internal/systemd"
)

var (
	_ provider.ProviderWithFunctions     = &systemdProvider{}
	_ provider.ProviderWithListResources = &systemdProvider{}
)

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
	Certificate           types.String `tfsdk:"certificate"`
	SSHConfigFile         types.String `tfsdk:"ssh_config_file"`
	AgentIdentity         types.String `tfsdk:"agent_identity"`
	Proxy                 types.String `tfsdk:"proxy"`
	Bastion               types.List   `tfsdk:"bastion"`
}

// bastionModel is the provider's bastion block.
type bastionModel struct {
	Host           types.String `tfsdk:"host"`
	Port           types.Int64  `tfsdk:"port"`
	User           types.String `tfsdk:"user"`
	PrivateKey     types.String `tfsdk:"private_key"`
	Password       types.String `tfsdk:"password"`
	KnownHostsFile types.String `tfsdk:"known_hosts_file"`
	HostKey        types.String `tfsdk:"host_key"`
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
				Validators:          []validator.String{providerHost.validator()},
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
			"certificate": schema.StringAttribute{
				MarkdownDescription: "Contents of an OpenSSH user certificate for `private_key`: the `*-cert.pub` file that `ssh-keygen -s` writes, e.g. `file(\"~/.ssh/id_ed25519-cert.pub\")`, for hosts that trust a user CA (`TrustedUserCAKeys`). " +
					"It is offered before the bare key, as OpenSSH does. Without `private_key`, it goes with the ssh-agent key it certifies. " +
					"A certificate of another key, a host certificate or an expired one is refused when the provider is configured." + envNote(envCertificate),
				Optional: true,
			},
			"private_key_passphrase": schema.StringAttribute{
				MarkdownDescription: "Passphrase of an encrypted `private_key` (and of an encrypted `bastion.private_key`)." + envNote(envPrivateKeyPassphrase),
				Optional:            true,
				Sensitive:           true,
			},
			"password": schema.StringAttribute{
				MarkdownDescription: "Password to log in with (password or keyboard-interactive authentication)." + envNote(envPassword),
				Optional:            true,
				Sensitive:           true,
			},
			"agent": schema.BoolAttribute{
				MarkdownDescription: "Authenticate with the keys of the ssh-agent at `SSH_AUTH_SOCK` (on Windows, when it is unset, OpenSSH's agent at the named pipe `\\\\.\\pipe\\openssh-ssh-agent`). Defaults to `true` when `SSH_AUTH_SOCK` is set and neither `private_key` nor `password` is given, `false` otherwise." + envNote(envAgent),
				Optional:            true,
			},
			"agent_identity": schema.StringAttribute{
				MarkdownDescription: "The one ssh-agent key to offer, to the hosts and the bastion: its public key in authorized_keys format " +
					"(for example `file(\"~/.ssh/id_ed25519.pub\")`) or its fingerprint as `ssh-add -l` prints it (`SHA256:…`). " +
					"An agent holding many keys otherwise offers them in turn, and a host whose sshd allows fewer tries (`MaxAuthTries`, 6 by default) " +
					"refuses the login (\"Too many authentication failures\") before the right one. The agent must hold the key when the provider is configured." +
					envNote(envAgentIdentity),
				Optional: true,
			},
			"known_hosts_file": schema.StringAttribute{
				MarkdownDescription: "OpenSSH known_hosts file that host keys are checked against, `@cert-authority` and `@revoked` lines included. Defaults to `~/.ssh/known_hosts` and `/etc/ssh/ssh_known_hosts`, both read, as OpenSSH does. A host whose key is not in it is refused; add it with `ssh-keyscan`, after checking its fingerprint." + envNote(envKnownHostsFile),
				Optional:            true,
			},
			"host_key": schema.StringAttribute{
				MarkdownDescription: "Pin one host public key, in authorized_keys format (the contents of the host's `/etc/ssh/ssh_host_ed25519_key.pub`), or the public key of a host CA: a host certificate it signed, for the address dialed and valid now, is then accepted. When set it wins over `known_hosts_file`, and every target host this provider reaches must present this key or such a certificate (a bastion has its own `host_key`)." + envNote(envHostKey),
				Optional:            true,
			},
			"insecure_ignore_host_key": schema.BoolAttribute{
				MarkdownDescription: "Accept any host key, which lets anyone between Terraform and the host impersonate it. Defaults to `false`; when `true`, every plan carries a warning. Cannot be combined with `host_key`. It covers the bastion too, unless the `bastion` block sets its own `known_hosts_file` or `host_key`." + envNote(envInsecureIgnoreHostKey),
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
			"ssh_config_file": schema.StringAttribute{
				MarkdownDescription: "OpenSSH client configuration file (for example `~/.ssh/config`) to reach hosts through, as `ssh -F FILE` does: " +
					"the provider's and the resources' `host` may then be a `Host` alias, and each host gets the file's `HostName`, `Port`, " +
					"`User`, `IdentityFile`s (with their `*-cert.pub` and `CertificateFile`s), `IdentitiesOnly`, `IdentityAgent`, " +
					"`UserKnownHostsFile`/`GlobalKnownHostsFile` and `ProxyJump` (a chain too). Attributes set here or in the environment win over the file. " +
					"`Host` patterns, `Match host`/`originalhost`/`user`/`localuser`/`all` and `Include` are evaluated as OpenSSH does; other `Match` " +
					"criteria and `ProxyCommand` are refused. `StrictHostKeyChecking no` or `accept-new` never turns host key checking off: " +
					"the provider warns and keeps verifying. Unset: no file is read." + envNote(envSSHConfigFile),
				Optional: true,
			},
			"proxy": schema.StringAttribute{
				MarkdownDescription: "Proxy to reach the first hop through (the bastion when there is one, else each host): " +
					"`socks5://HOST:PORT` (names resolved here), `socks5h://HOST:PORT` (names resolved by the proxy) or `http://HOST:PORT` " +
					"(HTTP CONNECT), with optional `USER:PASSWORD@`. Hosts that `NO_PROXY` (or `no_proxy`) lists are reached directly: " +
					"names, `.domain` suffixes, addresses, CIDRs, `*`. Defaults to `ALL_PROXY` (or `all_proxy`) from the environment; none when unset.",
				Optional:  true,
				Sensitive: true,
			},
			"timeout": schema.StringAttribute{
				MarkdownDescription: "Bound on connecting and the SSH handshake, and on each remote command, as a positive Go duration (`30s`, `2m`). With a bastion, connecting to the bastion and connecting through it to a target are bounded separately. Defaults to `" + defaultTimeout + "`." + envNote(envTimeout),
				Optional:            true,
				Validators:          []validator.String{durationValidator()},
			},
		},
		Blocks: map[string]schema.Block{"bastion": bastionBlock()},
	}
}

func bastionBlock() schema.ListNestedBlock {
	return schema.ListNestedBlock{
		MarkdownDescription: "A jump host (SSH bastion): every connection to a target host is tunnelled through it, as `ssh -J` does " +
			"(a `direct-tcpip` channel from the bastion to the target's address, then SSH with the target over it). " +
			"Several blocks are a chain, in order, as `ssh -J a,b`: the first is dialled, each next one reached through the one before it, " +
			"and the targets through the last; each block has its own user, credentials and host keys. " +
			"One connection to each bastion is opened per provider and shared by all targets, and re-opened if it drops. " +
			"A bastion's host key is checked against its block's own `known_hosts_file` or `host_key`, the targets' against the provider's. " +
			"Each bastion's sshd must allow TCP forwarding (`AllowTcpForwarding`), and reach the next hop's address. " +
			"Setting `" + envBastionHost + "` turns a single bastion on without the block (the `" + envBastionHost + "`, `" + envBastionPort +
			"` and `" + envBastionUser + "` variables configure the first block only).",
		NestedObject: schema.NestedBlockObject{Attributes: map[string]schema.Attribute{
			"host": schema.StringAttribute{
				MarkdownDescription: "Bastion host: a DNS name, an IPv4 address, or an IPv6 address in brackets, without a port (give it with `port`). " +
					"Required when the block is present, unless the environment variable is set." + envNote(envBastionHost),
				Optional:   true,
				Validators: []validator.String{bastionHost.validator()},
			},
			"port": schema.Int64Attribute{
				MarkdownDescription: "SSH port of the bastion (1-65535). Defaults to `22`." + envNote(envBastionPort),
				Optional:            true,
				Validators:          []validator.Int64{int64validator.Between(1, 65535)},
			},
			"user": schema.StringAttribute{
				MarkdownDescription: "User to log in to the bastion as. Defaults to the provider's `user`." + envNote(envBastionUser),
				Optional:            true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"private_key": schema.StringAttribute{
				MarkdownDescription: "Contents of the private key to log in to the bastion with. Defaults to the provider's `private_key` (with its `certificate`). " +
					"An encrypted key is decrypted with the provider's `private_key_passphrase`. The ssh-agent, when the provider's `agent` is on, is offered to the bastion too.",
				Optional:  true,
				Sensitive: true,
			},
			"password": schema.StringAttribute{
				MarkdownDescription: "Password to log in to the bastion with. Defaults to the provider's `password`.",
				Optional:            true,
				Sensitive:           true,
			},
			"known_hosts_file": schema.StringAttribute{
				MarkdownDescription: "OpenSSH known_hosts file that the bastion's host key is checked against. Defaults to the provider's `known_hosts_file`.",
				Optional:            true,
			},
			"host_key": schema.StringAttribute{
				MarkdownDescription: "Pin the bastion's host public key, in authorized_keys format; when set it wins over `known_hosts_file`. " +
					"Defaults to none: the provider's `host_key` pins the targets' key, not the bastion's.",
				Optional: true,
			},
		}},
	}
}

func (p *systemdProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	var cfg providerModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	data, tc := resolveConnection(ctx, cfg, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	if data.unknown {
		resp.ResourceData, resp.DataSourceData, resp.ListResourceData = data, data, data
		return
	}
	var runner func(string) systemd.Runner
	if data.sshConfig != nil {
		data.sshConfig.base = tc
		runner = data.sshConfig.runner
	} else {
		pool, err := sshtransport.NewPool(tc)
		if err != nil {
			addConfigError(&resp.Diagnostics, err)
			return
		}
		runner = pool.Runner
	}
	data.sudo = tc.UsesSudo()
	data.host = (&engineSet{runner: runner, sudo: data.sudo}).host
	resp.ResourceData, resp.DataSourceData, resp.ListResourceData = data, data, data
}

func (p *systemdProvider) Resources(_ context.Context) []func() resource.Resource {
	return []func() resource.Resource{NewUnitMaskResource}
}

// ListResources are for `terraform query` (Terraform 1.14 and later).
func (p *systemdProvider) ListResources(_ context.Context) []func() list.ListResource {
	return []func() list.ListResource{NewUnitMaskListResource}
}

func (p *systemdProvider) DataSources(_ context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{NewUnitDataSource, NewMaskedUnitsDataSource}
}

// Functions are the provider functions (Terraform 1.8, OpenTofu 1.7 and
// later): systemd-escape's unit names, computed without a host.
func (p *systemdProvider) Functions(_ context.Context) []func() function.Function {
	return []func() function.Function{NewUnitNameFunction, NewInstanceNameFunction}
}

package provider

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource/identityschema"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/systemd-tf/terraform-provider-systemd/internal/sshtransport"
	"github.com/systemd-tf/terraform-provider-systemd/internal/systemd"
)

// unitMaskIdentityModel is a systemd_unit_mask's resource identity
// (Terraform 1.12 and later): its id, in parts. It is made from the id alone,
// so it never changes over the resource's life.
type unitMaskIdentityModel struct {
	Host  types.String `tfsdk:"host"`
	Port  types.Int64  `tfsdk:"port"`
	Scope types.String `tfsdk:"scope"`
	User  types.String `tfsdk:"user"`
	Name  types.String `tfsdk:"name"`
}

func unitMaskIdentitySchema() identityschema.Schema {
	return identityschema.Schema{
		Attributes: map[string]identityschema.Attribute{
			"host": identityschema.StringAttribute{
				Description: "The host, without its port: as the resource's `host` spells it, or the provider's `host` " +
					"for a resource that names none (an IPv6 address in brackets, `[2001:db8::1]`; on import, without them too).",
				RequiredForImport: true,
			},
			"port": identityschema.Int64Attribute{
				Description:       "The SSH port. On import it defaults to the provider's `port`.",
				OptionalForImport: true,
			},
			"scope": identityschema.StringAttribute{
				Description:       "`system`, `user` or `global`, as the resource's `scope`. On import it defaults to `system`.",
				OptionalForImport: true,
			},
			"user": identityschema.StringAttribute{
				Description: "For the `user` scope, the account whose unit it is: the resource's `user`, or the provider's " +
					"login `user` (on import the default). Empty for the other scopes.",
				OptionalForImport: true,
			},
			"name": identityschema.StringAttribute{
				Description:       "The unit, as the resource's `name`.",
				RequiredForImport: true,
			},
		},
	}
}

// identity is the target's identity.
func (t maskTarget) identity() unitMaskIdentityModel {
	host, port := splitTargetAddr(t.addr)
	user := ""
	if t.scope == systemd.ScopeUser {
		user = t.user
	}
	return unitMaskIdentityModel{
		Host:  types.StringValue(host),
		Port:  types.Int64Value(int64(port)),
		Scope: types.StringValue(t.scope.String()),
		User:  types.StringValue(user),
		Name:  types.StringValue(t.name),
	}
}

// splitTargetAddr splits an address that ParseAddress made ("HOST:PORT",
// "[IPv6]:PORT") into the host as a `host` attribute spells it and the port.
func splitTargetAddr(addr string) (string, int) {
	host, portText, err := net.SplitHostPort(addr)
	if err != nil {
		return addr, 0 // not from ParseAddress; the id's own checks report it
	}
	port, _ := strconv.Atoi(portText)
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	return host, port
}

// setIdentity records t as the resource's identity; identity is nil only
// for callers outside the framework.
func setIdentity(ctx context.Context, identity *tfsdk.ResourceIdentity, t maskTarget, diags *diag.Diagnostics) {
	if identity != nil {
		diags.Append(identity.Set(ctx, t.identity())...)
	}
}

// identityTarget is the target that an import identity names, with the
// provider's defaults for what it leaves out.
func (d *providerData) identityTarget(m unitMaskIdentityModel) (maskTarget, error) {
	host := m.Host.ValueString()
	if host == "" {
		return maskTarget{}, fmt.Errorf("host is empty: give the host the mask is on")
	}
	// An IPv6 address may come without brackets: the port is apart.
	if ip := net.ParseIP(strings.SplitN(host, "%", 2)[0]); ip != nil && strings.Contains(host, ":") && !strings.HasPrefix(host, "[") {
		host = "[" + host + "]"
	}
	port := d.port
	if !m.Port.IsNull() {
		p := m.Port.ValueInt64()
		if p < 1 || p > 65535 {
			return maskTarget{}, fmt.Errorf("port %d is outside 1-65535", p)
		}
		port = int(p)
	}
	addr, hasPort, err := sshtransport.SplitAddress(host, port)
	if err != nil {
		return maskTarget{}, fmt.Errorf("host: %w", err)
	}
	if hasPort {
		return maskTarget{}, fmt.Errorf("host %q carries a port: give the host alone, and the port in port", m.Host.ValueString())
	}
	if d.sshConfig != nil {
		// As ssh does with an address it is given: through the file.
		if _, err := d.sshConfig.address(addr, port); err != nil {
			return maskTarget{}, err
		}
	}
	t := maskTarget{addr: addr, name: m.Name.ValueString()}
	if s := m.Scope.ValueString(); s != "" {
		if t.scope, err = systemd.ParseScope(s); err != nil {
			return maskTarget{}, err
		}
	}
	user := m.User.ValueString()
	switch {
	case t.scope != systemd.ScopeUser && user != "":
		return maskTarget{}, fmt.Errorf("user %q is given for the %s scope: user applies to the user scope only; leave it out or empty", user, t.scope)
	case t.scope == systemd.ScopeUser && user != "":
		if err := systemd.ValidateAccount(user); err != nil {
			return maskTarget{}, fmt.Errorf("user: %w", err)
		}
		if err := d.checkAccount(addr, user); err != nil {
			return maskTarget{}, err
		}
		t.user = user
	case t.scope == systemd.ScopeUser:
		t.user = d.loginUser(addr)
	}
	return t, nil
}

// hostAttribute is the `host` a resource at addr gets when nothing else
// says how to spell it (an import by identity, a listed mask): null for the
// provider's own host and port, HOST when the port is the provider's,
// HOST:PORT otherwise. Whichever spelling a configuration then uses, the
// target is the same, and the plan replaces nothing.
func (d *providerData) hostAttribute(addr string) types.String {
	if own, err := d.address(types.StringNull()); err == nil && own == addr {
		return types.StringNull()
	}
	host, port := splitTargetAddr(addr)
	if port == d.port {
		return types.StringValue(host)
	}
	return types.StringValue(addr)
}

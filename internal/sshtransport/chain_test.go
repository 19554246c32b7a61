package sshtransport

import (
	"context"
	"errors"
	"testing"

	"golang.org/x/crypto/ssh"

	"github.com/systemd-tf/terraform-provider-systemd/internal/systemd"
)

// A chain of two jump hosts: the first is dialed, the second reached
// through it, the targets through the second; one connection per hop for
// the pool, whatever the number of commands and targets.
func TestPoolJumpChain(t *testing.T) {
	priv, pub := newClientKey(t)
	first, second, target, other := startServer(t, pub), startServer(t, pub), startServer(t, pub), startServer(t, pub)
	target.setHandle(func(string) answer { return answer{stdout: "target"} })
	cfg := bastionSetup(t, first, target, priv)
	cfg.HostKey = ""
	cfg.KnownHostsFile = writeKnownHosts(t, knownLine(target.addr, target.signer.PublicKey()), knownLine(other.addr, other.signer.PublicKey()))
	cfg.Bastion.Next = &Bastion{
		Addr: second.addr, User: "jump2", PrivateKey: openSSHPEM(t, priv, ""),
		HostKey: string(ssh.MarshalAuthorizedKey(second.signer.PublicKey())),
	}
	p := newTestPool(t, cfg)
	for range 3 {
		res, err := p.Runner(target.addr).Run(context.Background(), systemd.Command{Argv: []string{"echo"}})
		if err != nil || string(res.Stdout) != "target" {
			t.Fatalf("Run through the chain = %q, %v", res.Stdout, err)
		}
	}
	if err := runTrue(p.Runner(other.addr)); err != nil {
		t.Fatalf("second target: %v", err)
	}
	if got := first.tunnelRecords(); len(got) != 1 || got[0] != (tunnelRecord{"jump", second.addr}) {
		t.Errorf("the first hop's tunnels = %+v, want one to the second hop", got)
	}
	want := []tunnelRecord{{"jump2", target.addr}, {"jump2", other.addr}}
	if got := second.tunnelRecords(); len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("the second hop's tunnels = %+v, want %+v", got, want)
	}
	for name, s := range map[string]*fakeServer{"first hop": first, "second hop": second, "target": target, "other": other} {
		if n := s.dials.Load(); n != 1 {
			t.Errorf("%s: %d connections, want 1", name, n)
		}
	}
	if rec := first.records(); len(rec) != 0 {
		t.Errorf("the first hop ran commands: %+v", rec)
	}
}

// Each hop of a chain is named in its errors: its host key, its address.
func TestPoolJumpChainErrorsNameTheHop(t *testing.T) {
	priv, pub := newClientKey(t)
	first, second, target := startServer(t, pub), startServer(t, pub), startServer(t, pub)
	cfg := bastionSetup(t, first, target, priv)
	stranger := sshPublic(t, getKeys(t).ed25519)
	cfg.Bastion.Next = &Bastion{Addr: second.addr, User: "jump2", PrivateKey: openSSHPEM(t, priv, ""),
		HostKey: string(ssh.MarshalAuthorizedKey(stranger))}
	err := runTrue(newTestPool(t, cfg).Runner(target.addr))
	var he *HostKeyError
	if !errors.As(err, &he) || he.Hop != "bastion 2" || he.Addr != second.addr {
		t.Fatalf("err = %v, want the second hop's host key refused", err)
	}
	cfg.Bastion.Next.HostKey, cfg.Bastion.Next.User = string(ssh.MarshalAuthorizedKey(second.signer.PublicKey())), ""
	_, err = NewPool(cfg)
	wantConfigError(t, err, "bastion 2 user", "is empty")
}

// JumpIndex reads back the hop names the pool gives its jump hosts.
func TestJumpIndex(t *testing.T) {
	for _, n := range []int{1, 2, 3} {
		for i := range n {
			if got, ok := JumpIndex(jumpHopName(i, n)); !ok || got != i {
				t.Errorf("JumpIndex(%q) = %d, %v; want %d", jumpHopName(i, n), got, ok, i)
			}
		}
	}
	for _, hop := range []string{"", "bastion 0", "bastion x", "target"} {
		if _, ok := JumpIndex(hop); ok {
			t.Errorf("JumpIndex(%q) names a jump host", hop)
		}
	}
}

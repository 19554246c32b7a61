package sshconfig

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The files and host names the resolution is held to OpenSSH with. Each
// case is a main file (written as main) and the files it includes, by
// name; "DIR" in them is the directory they are written to.
var oracleCases = []struct {
	what  string
	files map[string]string
	hosts []string
}{
	{"host patterns, negation and the first value winning", map[string]string{"main": `
Host web? !web9
  HostName %h.example.net
  Port 2201
Host web*
  Port 2202
  User deploy
Host *.internal db
  User dba
  Port = 2203
Host *
  User fallback
  IdentityFile ~/.ssh/id_%h_%r
`}, []string{"web1", "web9", "web10", "db", "x.internal", "WEB1", "other"}},

	{"Match host sees the HostName above it; Match user the User", map[string]string{"main": `
Host app
  HostName 10.1.2.3
Match host 10.1.*
  User ops
Match user ops host !10.1.2.4
  Port 2222
Match originalhost app,!db
  IdentityFile %d/.ssh/app_key
Match !host 10.*
  User outsider
Match all
  ConnectTimeout 1m30s
`}, []string{"app", "db", "10.1.9.9", "elsewhere"}},

	{"Match localuser, keywords in any case, = and quotes", map[string]string{"main": `
MATCH LocalUser nobody-here
  User never
match localuser *
  HOSTNAME "spaced.example"
  user="quoted"
  IdentityFile "DIR/key with space"
  ServerAliveInterval=15
  StrictHostKeyChecking accept-new   # a comment
`}, []string{"anything"}},

	{"Include: globbed, in order, and inside a Host block", map[string]string{
		"main": `
Include DIR/conf.d/*.conf
Host inner
  Include DIR/inner.conf
Host other
  User other-user
`,
		"conf.d/10-first.conf": `
Host a
  User from-10
Host b
  Port 2010
`,
		"conf.d/20-second.conf": `
Host a b
  User from-20
  Port 2020
`,
		"inner.conf": `
User inner-top
Host inner
  Port 2030
Host nowhere
  Port 2040
`,
	}, []string{"a", "b", "inner", "other"}},

	{"identities, certificates, agent, known hosts and strictness", map[string]string{"main": `
Host keys
  HostName Keys.Example
  User alice
  IdentityFile ~/.ssh/one
  IdentityFile %d/two-%u-%r-%h-%p-%n-%%
  CertificateFile ~/.ssh/one-cert.pub
  IdentitiesOnly yes
  IdentityAgent ~/agent.sock
  UserKnownHostsFile ~/.ssh/kh_%h %d/kh2
  GlobalKnownHostsFile /etc/ssh/other_known_hosts
  StrictHostKeyChecking yes
Host nostrict
  StrictHostKeyChecking no
  IdentityAgent none
  UserKnownHostsFile none
Host off
  StrictHostKeyChecking off
  IdentityAgent SSH_AUTH_SOCK
`}, []string{"keys", "nostrict", "off"}},

	{"jump chains", map[string]string{"main": `
Host behind
  ProxyJump jumper@bastion1:2222,bastion2
Host direct
  ProxyJump none
Host v6
  ProxyJump [2001:db8::1]:2222,ssh://u@h:23
Host *
  ProxyJump fallback-bastion
Host bastion1
  HostName 192.0.2.10
`}, []string{"behind", "direct", "v6", "anything", "bastion1"}},
}

// TestResolveMatchesOpenSSH compares every resolution with what this
// machine's ssh prints: `ssh -G` for the settings, and `ssh -v` (through a
// ProxyCommand that connects to nothing) for the identity and certificate
// files after its own expansion of them.
func TestResolveMatchesOpenSSH(t *testing.T) {
	sshPath, err := exec.LookPath("ssh")
	if err != nil {
		t.Fatal("ssh (OpenSSH's client) is needed: apt-get install openssh-client")
	}
	local, err := CurrentLocal()
	if err != nil {
		t.Fatal(err)
	}
	compared := 0
	for _, tc := range oracleCases {
		t.Run(tc.what, func(t *testing.T) {
			dir := t.TempDir()
			for name, text := range tc.files {
				p := filepath.Join(dir, name)
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, []byte(strings.ReplaceAll(text, "DIR", dir)), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			main := filepath.Join(dir, "main")
			cfg, err := Load(main, local.Home)
			if err != nil {
				t.Fatal(err)
			}
			for _, host := range tc.hosts {
				h, err := cfg.Resolve(host, local)
				if err != nil {
					t.Errorf("%s: %v", host, err)
					continue
				}
				want := sshG(t, sshPath, main, host)
				got := render(h)
				for key, w := range want {
					if !reflect.DeepEqual(got[key], w) {
						t.Errorf("%s: %s = %q, ssh -G says %q", host, key, got[key], w)
					}
				}
				for key, g := range got {
					if _, ok := want[key]; !ok {
						t.Errorf("%s: %s = %q, ssh -G prints none", host, key, g)
					}
				}
				ids, certs := sshV(t, sshPath, main, host)
				if !reflect.DeepEqual(h.IdentityFiles, ids) {
					t.Errorf("%s: identity files = %q, ssh -v says %q", host, h.IdentityFiles, ids)
				}
				if len(h.CertificateFiles) > 0 || len(certs) > 0 {
					if !reflect.DeepEqual(h.CertificateFiles, certs) {
						t.Errorf("%s: certificate files = %q, ssh -v says %q", host, h.CertificateFiles, certs)
					}
				}
				compared++
			}
		})
	}
	t.Logf("%d resolutions agree with %s", compared, sshPath)
}

// oracleKeys are the lines of `ssh -G` this package resolves.
var oracleKeys = map[string]bool{
	"hostname": true, "port": true, "user": true, "identityfile": true, "certificatefile": true,
	"identitiesonly": true, "identityagent": true, "proxyjump": true, "userknownhostsfile": true,
	"globalknownhostsfile": true, "connecttimeout": true, "serveraliveinterval": true,
	"stricthostkeychecking": true,
}

func sshG(t *testing.T, sshPath, file, host string) map[string][]string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, sshPath, "-G", "-F", file, "--", host).Output()
	if err != nil {
		t.Fatalf("ssh -G %s: %v", host, err)
	}
	got := map[string][]string{}
	for _, l := range strings.Split(string(out), "\n") {
		key, value, _ := strings.Cut(l, " ")
		if oracleKeys[key] {
			got[key] = append(got[key], value)
		}
	}
	return got
}

var identityLine = regexp.MustCompile(`^debug1: (identity|certificate) file (.*) type -?\d+$`)

func sshV(t *testing.T, sshPath, file, host string) (ids, certs []string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, sshPath, "-v", "-F", file, "-o", "BatchMode=yes", "-o", "ProxyCommand=sleep 0.1", "--", host, "true")
	out, _ := cmd.CombinedOutput() // it fails: nothing answers
	for _, l := range strings.Split(string(out), "\n") {
		m := identityLine.FindStringSubmatch(strings.TrimRight(l, "\r"))
		if m == nil {
			continue
		}
		if m[1] == "certificate" {
			certs = append(certs, m[2])
			continue
		}
		// ssh tries FILE-cert beside each identity FILE.
		if n := len(ids); n > 0 && m[2] == ids[n-1]+"-cert" {
			continue
		}
		ids = append(ids, m[2])
	}
	return ids, certs
}

// render prints h as `ssh -G` does.
func render(h *Host) map[string][]string {
	yes := func(b bool) string {
		if b {
			return "yes"
		}
		return "no"
	}
	seconds := func(d time.Duration, zero string) string {
		if d == 0 {
			return zero
		}
		return strconv.Itoa(int(d / time.Second))
	}
	out := map[string][]string{
		"hostname":              {h.HostName},
		"port":                  {strconv.Itoa(h.Port)},
		"user":                  {h.User},
		"identityfile":          h.RawIdentityFiles,
		"identitiesonly":        {yes(h.IdentitiesOnly)},
		"userknownhostsfile":    {strings.Join(h.UserKnownHostsFiles, " ")},
		"globalknownhostsfile":  {strings.Join(h.GlobalKnownHostsFiles, " ")},
		"connecttimeout":        {seconds(h.ConnectTimeout, "none")},
		"serveraliveinterval":   {seconds(h.ServerAliveInterval, "0")},
		"stricthostkeychecking": {h.StrictHostKeyChecking},
	}
	if len(h.RawCertificateFiles) > 0 {
		out["certificatefile"] = h.RawCertificateFiles
	}
	if h.IdentityAgent != "" {
		out["identityagent"] = []string{h.IdentityAgent}
	}
	if len(h.ProxyJump) > 0 {
		var hops []string
		for _, j := range h.ProxyJump {
			hops = append(hops, j.String())
		}
		out["proxyjump"] = []string{strings.Join(hops, ",")}
	}
	return out
}

package systemd

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func TestValidateAccount(t *testing.T) {
	for _, ok := range []string{"deploy", "_svc", "podman-1", "a.b", "A_b-9"} {
		if err := ValidateAccount(ok); err != nil {
			t.Errorf("ValidateAccount(%q) = %v, want nil", ok, err)
		}
	}
	for bad, want := range map[string]string{
		"":                       "empty",
		"1000":                   "begins with '1'",
		"-x":                     "begins with '-'",
		".x":                     "begins with '.'",
		"a b":                    `contains ' '`,
		"alice@":                 `contains '@'`,
		"a:b":                    `contains ':'`,
		"a$(id)":                 `contains '$'`,
		strings.Repeat("a", 257): "at most 256",
	} {
		if err := ValidateAccount(bad); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ValidateAccount(%q) = %v, want one mentioning %q", bad, err, want)
		}
	}
}

// Another account's commands name it in SCOPE, run as root as a whole,
// and never hand the script sudo (it is root already).
func TestManagerCommands(t *testing.T) {
	m := Manager{Scope: ScopeUser, Account: "alice"}
	for _, cmd := range []Command{
		m.BatchCommand([]Op{{Kind: OpMask, Name: "a.service"}}, false, true),
		m.UnitInfoCommand("a.service"),
		m.MaskedUnitsCommand(),
	} {
		if cmd.Argv[5] != "user:alice" || cmd.Argv[6] != "0" || !cmd.AsRoot || cmd.Privileged {
			t.Errorf("%s: scope %q, sudo %q, AsRoot %v, Privileged %v; want user:alice, 0, true, false",
				cmd.Argv[4], cmd.Argv[5], cmd.Argv[6], cmd.AsRoot, cmd.Privileged)
		}
	}
	own := ScopeUser.BatchCommand([]Op{{Kind: OpMask, Name: "a.service"}}, false, true)
	if own.Argv[5] != "user" || own.AsRoot {
		t.Errorf("the login user's own: scope %q, AsRoot %v", own.Argv[5], own.AsRoot)
	}
}

// The script's refusal is an AccountError naming the account, at once:
// it is an answer, not a garbled one, so it is not read again.
func TestEngineAccountRefusal(t *testing.T) {
	refusal := Result{Stdout: []byte("v\t247\nrefuse\tversion\t\nend\n")}
	s := &scriptedRunner{replies: []Result{refusal}}
	e := NewManagerEngine(s, Manager{Scope: ScopeUser, Account: "alice"}, false)
	e.Linger = 0
	for what, err := range map[string]error{
		"state":  func() error { _, err := e.State(context.Background(), "a.service"); return err }(),
		"mask":   e.Mask(context.Background(), "a.service", Persistent, false).Err,
		"info":   func() error { _, err := e.UnitInfo(context.Background(), "a.service"); return err }(),
		"masked": func() error { _, err := e.MaskedUnits(context.Background()); return err }(),
	} {
		var ae *AccountError
		if !errors.As(err, &ae) || ae.Account != "alice" || ae.Reason != "version" || ae.Version != 247 {
			t.Errorf("%s: %v (%#v), want alice's version refusal", what, err, ae)
			continue
		}
		if !strings.Contains(err.Error(), "systemd 247") || !strings.Contains(err.Error(), "--machine=alice@") {
			t.Errorf("%s: %v", what, err)
		}
	}
	if s.calls != 4 {
		t.Errorf("%d commands for 4 requests: a refusal was read again", s.calls)
	}
	for reason, want := range map[string]string{
		"nouser":    "no account \"alice\"",
		"nomanager": "loginctl enable-linger alice",
		"root":      "needs root",
		"manager":   "did not reach the user manager of alice: boom",
	} {
		err := (&AccountError{Account: "alice", Reason: reason, Detail: "boom"}).Error()
		if !strings.Contains(err, want) {
			t.Errorf("%s: %q, want it to mention %q", reason, err, want)
		}
	}
}

package systemd

import (
	"errors"
	"strings"
	"testing"
)

const batchDirs = "dir\tpersistent\t/etc/systemd/system\ndir\truntime\t/run/systemd/system\n"

// ParseBatch insists on a complete answer from the right directories, so
// that a truncated or garbled one is an error, never a false "not masked".
func TestParseBatchRefuses(t *testing.T) {
	ops := []Op{{Kind: OpMask, Name: "a.service"}}
	for what, out := range map[string]string{
		"empty":               "",
		"no end":              batchDirs,
		"truncated":           "persistent\tnull\ta.service\n" + batchDirs[:20],
		"no directories":      "persistent\tnull\ta.service\nend\n",
		"one directory":       "dir\tpersistent\t/etc/systemd/system\nend\n",
		"other scope's dirs":  "dir\tpersistent\t/etc/systemd/user\ndir\truntime\t/run/systemd/user\nend\n",
		"unknown line":        "hello\tworld\tx\n" + batchDirs + "end\n",
		"short line":          "rc\t1\n" + batchDirs + "end\n",
		"bad status":          "rc\t1\tone\n" + batchDirs + "end\n",
		"bad kind":            "persistent\tlink\ta.service\n" + batchDirs + "end\n",
		"bad layer directory": "dir\tvendor\t/usr/lib/systemd/system\n" + batchDirs + "end\n",
		"text after end":      batchDirs + "end\npersistent\tnull\ta.service\n",
	} {
		if _, err := ScopeSystem.ParseBatch([]byte(out), ops); err == nil {
			t.Errorf("%s: accepted %q", what, out)
		}
	}
	long := strings.Repeat("x", 1000)
	_, err := ScopeSystem.ParseBatch([]byte(long), ops)
	if err == nil || len(err.Error()) > 400 {
		t.Errorf("a long answer is quoted whole in the error: %d bytes", len(err.Error()))
	}
}

// Each op's own status and stderr become its own error; an empty file in the
// way counts as the mask it is.
func TestParseBatchResults(t *testing.T) {
	ops := []Op{
		{Kind: OpMask, Name: "ok.service"},
		{Kind: OpMask, Name: "empty.service"},
		{Kind: OpMask, Name: "file.service", Layer: Runtime},
		{Kind: OpUnmask, Name: "denied.service"},
	}
	out := "rc\t2\t1\nerr\t2\tFailed to mask unit: File /etc/systemd/system/empty.service already exists.\n" +
		"rc\t3\t1\nerr\t3\tFailed to mask unit, file \"/run/systemd/system/file.service\" already exists.\n" +
		"rc\t4\t1\nerr\t4\tFailed to unmask unit: Access denied\nerr\t4\tsecond line\n" +
		"persistent\tnull\tok.service\npersistent\tempty\tempty.service\nruntime\tunit\tfile.service\npersistent\tnull\tdenied.service\n" +
		batchDirs + "end\n"
	res, err := ScopeSystem.ParseBatch([]byte(out), ops)
	if err != nil {
		t.Fatal(err)
	}
	if res.Ops[0].Err != nil || res.Ops[1].Err != nil {
		t.Errorf("ok: %v, empty: %v", res.Ops[0].Err, res.Ops[1].Err)
	}
	var exists *UnitFileExistsError
	if !errors.As(res.Ops[2].Err, &exists) || exists.Path() != "/run/systemd/system/file.service" ||
		exists.Error() != "/run/systemd/system/file.service is a real unit file, not a mask, so file.service cannot be masked in the runtime layer without deleting it" {
		t.Errorf("file: %v", res.Ops[2].Err)
	}
	var cmdErr *CommandError
	if !errors.As(res.Ops[3].Err, &cmdErr) || !cmdErr.AccessDenied() || cmdErr.ExitCode != 1 ||
		cmdErr.Stderr != "Failed to unmask unit: Access denied\nsecond line" || cmdErr.Command.String() != "systemctl unmask --no-reload -- denied.service" {
		t.Errorf("denied: %#v", res.Ops[3].Err)
	}
	if res.Reloaded || !res.State("empty.service").Masked(Persistent) || res.State("absent.service") != (MaskState{}) {
		t.Errorf("result %+v", res)
	}
}

func TestOpWords(t *testing.T) {
	for _, op := range []Op{
		{Kind: OpMask}, {Kind: OpMask, Layer: Runtime}, {Kind: OpMask, Now: true}, {Kind: OpMask, Now: true, Layer: Runtime},
		{Kind: OpUnmask}, {Kind: OpUnmask, Layer: Runtime},
	} {
		kind, layer, now, ok := ParseOpWord(op.word())
		if !ok || kind != op.Kind || layer != op.Layer || now != op.Now {
			t.Errorf("%q read back as %v %v %v %v", op.word(), kind, layer, now, ok)
		}
	}
	if _, _, _, ok := ParseOpWord("stop"); ok {
		t.Error("accepted stop")
	}
}

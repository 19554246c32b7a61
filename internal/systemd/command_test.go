package systemd

import (
	"reflect"
	"testing"
)

func TestCommandString(t *testing.T) {
	tests := []struct {
		cmd  Command
		want string
	}{
		{Command{Argv: []string{"systemctl", "mask", "--runtime", "--", "x.service"}}, "systemctl mask --runtime -- x.service"},
		// The multi-line script is elided from logs and errors.
		{ScopeSystem.BatchCommand([]Op{{Name: "x.service", Layer: Runtime}}, false, true), "sh -c <script> systemd-tf batch system 1 0 mask-runtime x.service"},
		{ScopeUser.UnitInfoCommand("getty@tty1.service"), "sh -c <script> systemd-tf info user 0 getty@tty1.service getty@.service"},
	}
	for _, tt := range tests {
		if got := tt.cmd.String(); got != tt.want {
			t.Errorf("String() = %q, want %q", got, tt.want)
		}
	}
}

func TestLayer(t *testing.T) {
	tests := []struct {
		layer             Layer
		dir, path, str    string
		other             Layer
		fromRuntimeSwitch bool
	}{
		{Persistent, "/etc/systemd/system", "/etc/systemd/system/x.service", "persistent", Runtime, false},
		{Runtime, "/run/systemd/system", "/run/systemd/system/x.service", "runtime", Persistent, true},
	}
	for _, tt := range tests {
		if got := ScopeSystem.Dir(tt.layer); got != tt.dir {
			t.Errorf("%v.Dir() = %q, want %q", tt.layer, got, tt.dir)
		}
		if got := ScopeSystem.UnitPath(tt.layer, "x.service"); got != tt.path {
			t.Errorf("%v.UnitPath() = %q, want %q", tt.layer, got, tt.path)
		}
		if got := tt.layer.String(); got != tt.str {
			t.Errorf("String() = %q, want %q", got, tt.str)
		}
		if got := tt.layer.Other(); got != tt.other {
			t.Errorf("%v.Other() = %v, want %v", tt.layer, got, tt.other)
		}
		if got := LayerFor(tt.fromRuntimeSwitch); got != tt.layer {
			t.Errorf("LayerFor(%v) = %v, want %v", tt.fromRuntimeSwitch, got, tt.layer)
		}
	}
	// Layers lists the layers in systemctl's order of precedence.
	if !reflect.DeepEqual(Layers, []Layer{Persistent, Runtime}) {
		t.Errorf("Layers = %v", Layers)
	}
}

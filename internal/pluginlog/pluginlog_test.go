package pluginlog

import (
	"os"
	"testing"
)

func TestQuietUnlessTerraformLogs(t *testing.T) {
	for _, name := range []string{"TF_LOG", "TF_LOG_PROVIDER", "TF_LOG_SDK", "TF_LOG_SDK_PROTO", "TF_LOG_SDK_FRAMEWORK", "TF_LOG_PROVIDER_SYSTEMD", "TF_LOG_PATH"} {
		t.Setenv(name, "")
	}
	QuietUnlessTerraformLogs("systemd")
	for _, name := range []string{"TF_LOG_SDK", "TF_LOG_SDK_PROTO", "TF_LOG_SDK_FRAMEWORK", "TF_LOG_PROVIDER_SYSTEMD"} {
		if got := os.Getenv(name); got != "off" {
			t.Errorf("%s = %q with Terraform not logging, want off", name, got)
		}
	}

	// A user who asked for logs gets them.
	t.Setenv("TF_LOG_SDK", "")
	t.Setenv("TF_LOG_PROVIDER_SYSTEMD", "")
	t.Setenv("TF_LOG", "debug")
	QuietUnlessTerraformLogs("systemd")
	if got := os.Getenv("TF_LOG_SDK"); got != "" {
		t.Errorf("TF_LOG_SDK = %q with TF_LOG=debug, want it left alone", got)
	}
}

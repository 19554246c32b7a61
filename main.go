package main

import (
	"context"
	"flag"
	"log"
	"os"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

	"github.com/systemd-tf/terraform-provider-systemd/internal/provider"
)

// version is set by the release build (goreleaser's ldflags).
var version = "dev"

func main() {
	var debug bool
	flag.BoolVar(&debug, "debug", false, "run the provider with support for debuggers like delve")
	flag.Parse()

	quietUnlessTerraformLogs()

	// make bench sets this to profile every provider process Terraform starts.
	if dir := os.Getenv("SYSTEMD_PROVIDER_PROFILE_DIR"); dir != "" {
		stop, err := startProfile(dir)
		if err != nil {
			log.Fatal(err.Error())
		}
		defer stop()
	}

	err := providerserver.Serve(context.Background(), provider.New(version), providerserver.ServeOpts{
		Address: "registry.terraform.io/systemd-tf/systemd",
		Debug:   debug,
	})
	if err != nil {
		log.Fatal(err.Error())
	}
}

// quietUnlessTerraformLogs turns the plugin SDK's logging off when Terraform
// is not logging. The SDK otherwise renders every trace line as JSON on
// stderr for Terraform to parse and throw away: a third of this provider's
// CPU time in a 200-resource apply, and more in Terraform itself. Any TF_LOG*
// variable set by the user leaves logging as the SDK configures it.
func quietUnlessTerraformLogs() {
	for _, kv := range os.Environ() {
		if name, value, _ := strings.Cut(kv, "="); strings.HasPrefix(name, "TF_LOG") && value != "" {
			return
		}
	}
	for _, name := range []string{"TF_LOG_SDK", "TF_LOG_SDK_PROTO", "TF_LOG_SDK_FRAMEWORK", "TF_LOG_PROVIDER_SYSTEMD"} {
		_ = os.Setenv(name, "off")
	}
}

package main

import (
	"context"
	"flag"
	"log"
	"os"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

	"github.com/systemd-tf/terraform-provider-systemd/internal/pluginlog"
	"github.com/systemd-tf/terraform-provider-systemd/internal/provider"
)

// version is set by the release build (goreleaser's ldflags).
var version = "dev"

func main() {
	var debug bool
	flag.BoolVar(&debug, "debug", false, "run the provider with support for debuggers like delve")
	flag.Parse()

	pluginlog.QuietUnlessTerraformLogs("systemd")

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

//go:build generate

// Package tools pins the code generators this provider uses and runs them:
// `make generate` (cd tools && go generate ./...) formats the examples and
// regenerates docs/ from the provider schema, templates/ and examples/.
package tools

import (
	_ "github.com/hashicorp/terraform-plugin-docs/cmd/tfplugindocs"
)

// Format the Terraform examples that the documentation embeds.
//go:generate terraform fmt -recursive ../examples/

// Generate docs/. tfplugindocs builds the provider and reads its schema with
// `terraform providers schema -json`, using the terraform found on PATH,
// where `make generate` puts one that shows identities and list resources
// (scripts/docs-terraform); it downloads one only when none is there.
//go:generate go run github.com/hashicorp/terraform-plugin-docs/cmd/tfplugindocs generate --provider-dir .. --provider-name systemd

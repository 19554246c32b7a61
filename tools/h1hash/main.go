// Command h1hash prints the "h1:" hash that Terraform records in
// .terraform.lock.hcl for a provider package zip: the Go module dirhash
// (Hash1) of the files in it. scripts/demo checks the lock file against the
// zip that scripts/release-local built.
package main

import (
	"fmt"
	"os"

	"golang.org/x/mod/sumdb/dirhash"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: h1hash PACKAGE.zip")
		os.Exit(2)
	}
	h, err := dirhash.HashZip(os.Args[1], dirhash.Hash1)
	if err != nil {
		fmt.Fprintln(os.Stderr, "h1hash:", err)
		os.Exit(1)
	}
	fmt.Println(h)
}

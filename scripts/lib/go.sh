# shellcheck shell=bash
# Sourced by the scripts: Go from PATH, else from where Go is installed on
# this project's machines. The one place that names that path: `sudo`'s
# secure_path drops it from PATH (and every script runs as root), and
# `go env GOROOT` needs go itself.
command -v go >/dev/null || PATH="$PATH:/usr/local/go/bin"
export PATH

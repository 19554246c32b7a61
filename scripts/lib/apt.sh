# shellcheck shell=bash
# Sourced by the scripts that install what they need: apt_install PKG…
# installs the packages, one apt-get at a time across every script of this
# project ($TESTHOSTS_CACHE/locks/apt): make check builds every release's
# rootfs while it installs shellcheck, and apt-get refuses a second
# apt-get at once. Another program's apt-get is waited for a while.
apt_install() {
	local cache=${TESTHOSTS_CACHE:-/var/cache/terraform-provider-systemd} fd
	mkdir -p "$cache/locks"
	exec {fd}>"$cache/locks/apt"
	flock "$fd"
	apt-get -o DPkg::Lock::Timeout=300 update -qq
	DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "$@" >/dev/null
	exec {fd}>&-
}

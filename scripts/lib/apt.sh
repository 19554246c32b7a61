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
	# What another script installed while this one waited is not fetched
	# again (make check's four rootfs builds ask for the same packages).
	local p missing=()
	for p do
		[ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" = "install ok installed" ] || missing+=("$p")
	done
	if [ ${#missing[@]} -gt 0 ]; then
		apt-get -o DPkg::Lock::Timeout=300 update -qq
		DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
	fi
	exec {fd}>&-
}

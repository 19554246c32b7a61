# shellcheck shell=sh
# The provider's one program on a host. Go runs it as
#
#   sh -c "$(cat engine.sh)" systemd-tf VERB SCOPE SUDO [ARGS…]
#
# VERB is batch, info or masked; SCOPE is system, user, user:ACCOUNT
# (another account's user units, as root) or global; SUDO is 1 when
# systemctl's writes go through sudo. Its answer is the line protocol
# written down in protocol.go; every answer ends in "end". Unit names only
# ever arrive as arguments, are checked against the unit-name alphabet, and
# are never parsed as shell text.

# Tests point root at a directory standing in for /.
root=

LC_ALL=C
export LC_ALL
# systemctl's own install code, run in this process rather than in PID 1
# (sudo keeps it only where sudoers says env_keep; either way the result is
# the same).
SYSTEMCTL_INSTALL_CLIENT_SIDE=1
SYSTEMD_COLORS=0
export SYSTEMCTL_INSTALL_CLIENT_SIDE SYSTEMD_COLORS
nl='
'

# unit NAME: NAME is spelled as a unit file name, with a unit type suffix
# (directory entries such as foo.target.wants are not units).
unit() {
	ok "$1" || return 1
	case $1 in
	*.service | *.socket | *.target | *.device | *.mount | *.automount | *.swap | *.path | *.timer | *.slice | *.scope) return 0 ;;
	esac
	return 1
}

# ok NAME: NAME is spelled with the unit-name alphabet only.
ok() {
	case $1 in
	'' | *[!A-Za-z0-9:_.@\\-]*) return 1 ;;
	esac
	return 0
}

# searchpath: SP holds the scope's unit search path in systemd's order, one
# "LABEL DIR" line each (systemd.unit(5), src/basic/path-lookup.c); P and R
# are the directories `systemctl mask` and `mask --runtime` write.
searchpath() {
	case $scope in
	system)
		P=$root/etc/systemd/system
		R=$root/run/systemd/system
		SP="control $root/etc/systemd/system.control
control $root/run/systemd/system.control
transient $root/run/systemd/transient
generator $root/run/systemd/generator.early
persistent $P
attached $root/etc/systemd/system.attached
runtime $R
attached $root/run/systemd/system.attached
generator $root/run/systemd/generator
vendor $root/usr/local/lib/systemd/system
vendor $root/usr/lib/systemd/system"
		# /lib is read on its own only where /usr is not merged.
		if [ ! -L "$root/lib" ]; then SP="$SP${nl}vendor $root/lib/systemd/system"; fi
		SP="$SP${nl}generator $root/run/systemd/generator.late"
		;;
	global)
		P=$root/etc/systemd/user
		R=$root/run/systemd/user
		SP="persistent $P
runtime $R
vendor $root/usr/local/share/systemd/user
vendor $root/usr/share/systemd/user
vendor $root/usr/local/lib/systemd/user
vendor $root/usr/lib/systemd/user"
		;;
	user)
		usersearchpath
		;;
	esac
}

# usersearchpath: a user's directories. systemctl --user writes its masks
# where this login's environment says; the search path is the user
# manager's own (managerpath), or, without a reachable manager, the one
# systemd derives from this login's environment.
usersearchpath() {
	xch=${XDG_CONFIG_HOME:-$HOME/.config}
	xrd=${XDG_RUNTIME_DIR:-/run/user/$(id -u)}
	xdh=${XDG_DATA_HOME:-$HOME/.local/share}
	P=$xch/systemd/user
	R=$xrd/systemd/user
	SP="control $xch/systemd/user.control
control $xrd/systemd/user.control
transient $xrd/systemd/transient
generator $xrd/systemd/generator.early
persistent $P"
	set -f
	IFS=:
	for d in ${XDG_CONFIG_DIRS:-$root/etc/xdg}; do SP="$SP${nl}persistent $d/systemd/user"; done
	unset IFS
	set +f
	SP="$SP
global $root/etc/systemd/user
runtime $R
global $root/run/systemd/user
generator $xrd/systemd/generator
vendor $xdh/systemd/user"
	set -f
	IFS=:
	for d in ${XDG_DATA_DIRS:-$root/usr/local/share:$root/usr/share}; do SP="$SP${nl}vendor $d/systemd/user"; done
	unset IFS
	set +f
	SP="$SP
vendor $root/usr/local/lib/systemd/user
vendor $root/usr/lib/systemd/user
generator $xrd/systemd/generator.late"
	managerpath
}

# managerpath replaces SP with the manager's own unit search path (its
# UnitPath property), when the manager answers: a user manager's comes from
# its environment, and a distribution's build decides whether /lib is read
# on its own. Each directory's label follows from its name.
managerpath() {
	if [ -n "$account" ]; then
		accountpath
	else
		up=$(sc show -P UnitPath 2>/dev/null) || return 0
	fi
	[ -n "$up" ] || return 0
	SP=
	set -f
	for d in $up; do
		case $d in
		*.control) l=control ;;
		*/transient) l=transient ;;
		*/generator | */generator.early | */generator.late) l=generator ;;
		*.attached) l=attached ;;
		"$P") l=persistent ;;
		"$R") l=runtime ;;
		/etc/systemd/user | /run/systemd/user) l=global ;;
		/run/* | "${XDG_RUNTIME_DIR:-/run/user}"/*) l=runtime ;;
		/etc/* | "$HOME"/.config/*) l=persistent ;;
		*) l=vendor ;;
		esac
		SP="$SP${SP:+$nl}$l $root$d"
	done
	set +f
}

# reachaccount: another account's user units (SCOPE user:ACCOUNT), reached as
# root through its own user manager, `systemctl --user --machine=ACCOUNT@`
# (systemd 248 and later), and its own directories. Without
# SYSTEMCTL_INSTALL_CLIENT_SIDE: with it, systemctl ignores --machine and
# writes this login's directories. What stops it is a "refuse" line.
reachaccount() {
	case $account in
	'' | [0-9.-]* | *[!A-Za-z0-9_.-]*) refuse name "" ;;
	esac
	[ "$(id -u)" = 0 ] || refuse root ""
	ent=$(getent passwd "$account") || refuse nouser ""
	# NAME:PASSWORD:UID:GID:GECOS:HOME:SHELL
	uid=${ent#*:*:} uid=${uid%%:*}
	home=${ent#*:*:*:*:*:} home=${home%%:*}
	unset SYSTEMCTL_INSTALL_CLIENT_SIDE XDG_CONFIG_HOME XDG_DATA_HOME XDG_CONFIG_DIRS XDG_DATA_DIRS
	HOME=$home XDG_RUNTIME_DIR=/run/user/$uid
	mflag=--machine=$account@
	# Asking a manager that is not running would start one for the call
	# (a login session of the account): a running one is required.
	[ -S "$XDG_RUNTIME_DIR/systemd/private" ] || refuse nomanager "$XDG_RUNTIME_DIR/systemd/private"
}

# accountpath sets up to the account's manager's search path, which must be
# its own (it lists the account's runtime directory).
accountpath() {
	if ! up=$(scbridged show -P UnitPath 2>/dev/null); then
		version
		[ "$V" -ge 248 ] || refuse version ""
		refuse manager "$(sc show -P UnitPath 2>&1 >/dev/null | tr '\t\n' '  ')"
	fi
	case " $up " in
	*" $R "*) ;;
	*) refuse manager "the manager answered with another search path: $up" ;;
	esac
}

# scbridged ARGS… is sc for a read, and once more before it counts where it
# goes through --machine: that bridge to the account's bus is a new login
# session each time, and on systemd 257 CI saw single calls through it fail
# (nothing on stderr once; "Failed to connect to system scope bus via local
# transport" once, after a call before it had worked) and the next work.
scbridged() {
	if [ -n "${mflag-}" ]; then
		sc "$@" 2>/dev/null || sc "$@"
	else
		sc "$@"
	fi
}

# refuse KIND DETAIL ends the answer: the account's units cannot be reached.
refuse() {
	printf 'refuse\t%s\t%s\nend\n' "$1" "$2"
	exit 0
}

# spdirs prints the search path as "sp INDEX LABEL DIR" lines and sets SPA
# to its directories, one a line, and SPD to those that exist, and the two
# mask directories, as "INDEX DIR" lines: a directory that is not there
# holds nothing, and most of them are not.
spdirs() {
	SPA='' SPD='' j=0
	IFS=$nl
	set -f
	for l in $SP; do
		d=${l#* }
		printf 'sp\t%s\t%s\t%s\n' "$j" "${l%% *}" "$d"
		SPA="$SPA${SPA:+$nl}$d"
		# The two mask directories count even before they exist: the
		# batch may create them (a user's first mask), and reads them back.
		case $d in
		"$P" | "$R") SPD="$SPD${SPD:+$nl}$j $d" ;;
		*) [ ! -d "$d" ] || SPD="$SPD${SPD:+$nl}$j $d" ;;
		esac
		j=$((j + 1))
	done
	unset IFS
	set +f
}

# kind F sets k to what F is to systemd: n (it resolves, through any chain
# of links, to a character device, as /dev/null: a mask), e (an empty
# regular file: also a mask; null_or_empty() in systemd), l (any other
# symlink: an alias or a linked unit file), f (anything else), or "" when
# there is nothing.
kind() {
	if [ -c "$1" ]; then k=n
	elif [ -L "$1" ]; then k=l
	elif [ -f "$1" ] && [ ! -s "$1" ]; then k=e
	elif [ -e "$1" ]; then k=f
	else k=
	fi
}

# linkkind F TARGET: for a symlink F that decides what its unit loads, and
# whose first hop is TARGET, sets k to a:NAME when TARGET is another unit in
# the search path (an alias, loaded by that name), to "" when it is one that
# systemd skips (to itself, to another unit type, to no unit: a later
# directory decides), and otherwise (a linked unit file, or a mask: a link
# out of the search path) to what the chain ends in: n, e, f, or d when it
# dangles (src/shared/unit-file.c, unit_file_build_name_map).
linkkind() {
	t=$2
	case $t in /*) ;; *) t=${1%/*}/$t ;; esac
	tn=${t##*/} td=${t%/*}
	if insp "$td"; then
		if [ "$tn" != "${1##*/}" ] && unit "$tn" && [ "${tn##*.}" = "${1##*.}" ]; then
			k=a:$tn
		else
			k=
		fi
	elif [ -c "$1" ]; then k=n
	elif [ -f "$1" ] && [ ! -s "$1" ]; then k=e
	elif [ -e "$1" ]; then k=f
	else k=d
	fi
}

# insp D: D is a directory of the search path (or /lib's twin of one).
insp() {
	case $nl$SPA$nl in
	*"$nl$1$nl"*) return 0 ;;
	esac
	case $1 in
	*/lib/systemd/system)
		case $nl$SPA$nl in
		*"$nl${1%/lib/systemd/system}/usr/lib/systemd/system$nl"*) return 0 ;;
		esac
		;;
	esac
	return 1
}

# entries NAME sets out to what the directories of the search path hold
# under NAME, as " INDEX:KIND" in order, and fd and fk to the first one's
# directory and kind ("" when none holds anything). Most directories hold
# nothing under most names: one test says so.
entries() {
	out='' fd='' fk=''
	IFS=$nl
	set -f
	for d in $SPD; do
		f=${d#* }/$1
		[ -e "$f" ] || [ -L "$f" ] || continue
		kind "$f"
		out="$out ${d%% *}:$k"
		[ -n "$fd" ] || fd=${d#* } fk=$k
	done
	unset IFS
	set +f
}

# resolve NAMES… prints "r NAME ENTRIES" for each name (and for the units
# their aliases name): every directory of the search path holding something
# under NAME, as INDEX:KIND in order. The first entry decides what systemd
# loads; when it is a symlink, where it points decides, which only readlink
# tells: one readlink reads every deciding link of a round, except those in
# $own, the links `systemctl mask` itself just made to /dev/null where
# nothing was before ($pre).
resolve() {
	todo="$*" hop=0 did=' '
	while [ -n "$todo" ]; do
		buf='' links=''
		set -f
		for n in $todo; do
			case $did in *" $n "*) continue ;; esac
			did="$did$n "
			entries "$n"
			# A deciding symlink is read, unless systemctl just made it.
			if [ -n "$fd" ] && [ -L "$fd/$n" ]; then
				case ${own-} in
				*" $fd/$n "*) ;;
				*)
					out=${out# } e=${out%% *}
					out=" ${e%%:*}:?${e#*:}${out#"$e"}" links="$links$nl$fd/$n"
					;;
				esac
			fi
			buf="$buf$n ${out# }$nl"
		done
		set +f
		targets=
		links=${links#"$nl"}
		if [ -n "$links" ]; then
			set -f
			IFS=$nl
			# shellcheck disable=SC2086 # one path a line
			if ! targets=$(readlink -- $links 2>/dev/null); then
				# A link gone meanwhile (or a readlink of one operand):
				# each alone, an empty line for one that fails.
				targets=$(for f in $links; do readlink -- "$f" || echo; done 2>/dev/null)
			fi
			unset IFS
			set +f
		fi
		todo=
		IFS=$nl
		set -f
		for line in $buf; do
			unset IFS
			set +f
			n=${line%% *} out=${line#* }
			[ -n "$n" ] || continue
			case $out in
			*'?'*)
				l=${links%%"$nl"*} links=${links#"$l"} links=${links#"$nl"}
				t=${targets%%"$nl"*} targets=${targets#"$t"} targets=${targets#"$nl"}
				linkkind "$l" "$t"
				first=${out%% *} rest=${out#"$first"}
				case $k in
				'') out=${rest# } ;;
				a:*)
					out="${first%%:*}:$k$rest"
					[ "$hop" -ge 8 ] || todo="$todo ${k#a:}"
					;;
				*) out="${first%%:*}:$k$rest" ;;
				esac
				;;
			esac
			printf 'r\t%s\t%s\n' "$n" "$out"
		done
		unset IFS
		set +f
		hop=$((hop + 1))
	done
}

# effective NAME sets m to yes when what systemd loads for NAME (the first
# entry along the search path) is a mask.
effective() {
	entries "$1"
	case $fk in n | e) m=yes ;; *) m=no ;; esac
}

# shadow NAME DIR sets s to the first directory before DIR in the search
# path that holds something under NAME other than a mask ("" if none): a
# mask in DIR would have no effect.
shadow() {
	s=
	IFS=$nl
	set -f
	for d in $SPD; do
		d=${d#* }
		[ "$d" != "$2" ] || break
		[ -e "$d/$1" ] || [ -L "$d/$1" ] || continue
		kind "$d/$1"
		if [ -L "$d/$1" ]; then linkkind "$d/$1" "$(readlink -- "$d/$1")"; fi
		case $k in
		'') ;;
		n | e) break ;;
		*)
			s=$d
			break
			;;
		esac
	done
	unset IFS
	set +f
}

# sc ARGS…: systemctl for the scope. With SUDO=1 its writes (priv=1) go
# through sudo: -n, or -S with the password that Go wrote on stdin, fed by
# the printf builtin so that it is in no process's argv or environment.
# In the long-lived shell, the system scope's mask, unmask and list-units are
# first offered to Go (_tfcall, shell.sh), which makes the same call to
# PID 1 that systemctl would make (bus.go); what Go does not serve runs
# here. Either way the caller sees systemctl's status, stdout and stderr.
# systemctl never holds the call's fds (6 and 7, the shell's own stdin and
# stdout): nothing but the call speaks on them.
sc() {
	if [ "$scope" = system ] && [ "$sudo" != 1 ] && [ "${_tfk-}" = 1 ]; then
		# shellcheck disable=SC2154 # _tfcall sets _tfrc
		case $1 in
		mask | unmask | list-units) if _tfcall "$@"; then return "$_tfrc"; fi ;;
		esac
	fi
	if [ "$priv" = 1 ] && [ "$sudo" = 1 ]; then
		if [ -n "$pw" ]; then
			printf '%s\n' "$pw" | sudo -S -p '' systemctl ${flag:+"$flag"} ${mflag:+"$mflag"} "$@" 6<&- 7>&-
		else
			sudo -n systemctl ${flag:+"$flag"} ${mflag:+"$mflag"} "$@" 6<&- 7>&-
		fi
	else
		systemctl ${flag:+"$flag"} ${mflag:+"$mflag"} "$@" 6<&- 7>&-
	fi
}

# refused TEXT: TEXT is sudo refusing to run a command at all.
refused() {
	case $1 in
	*"sudo: "* | *"is not in the sudoers file"* | *"is not allowed to execute"* | *"may not run sudo"* | *"Sorry, try again"* | *"password is required"* | *"must have a tty"*) return 0 ;;
	esac
	return 1
}

# try TAG CMD… runs CMD and prints "rc TAG STATUS" and each line of its
# stderr as "err TAG LINE". sudo refusing systemctl ends the script:
# its message goes to stderr with status 1, and nothing else is tried.
try() {
	t=$1
	shift
	e=$("$@" 2>&1 >/dev/null)
	rc=$?
	if [ "$rc" = 1 ] && [ "$sudo" = 1 ] && [ "$priv" = 1 ] && [ "$1" = sc ] && refused "$e"; then
		printf '%s\n' "$e" >&2
		exit 1
	fi
	printf 'rc\t%s\t%s\n' "$t" "$rc"
	[ -z "$e" ] || while IFS= read -r l; do printf 'err\t%s\t%s\n' "$t" "$l"; done <<EOF
$e
EOF
}

# group TAGS NAMES CMD…: runs CMD on every name at once and, when that
# fails, on each alone (every verb here is idempotent), so that each op gets
# its own status and one unit's failure does not fail the others.
group() {
	tags=$1 names=$2
	shift 2
	[ -n "$names" ] || return 0
	set -f
	# shellcheck disable=SC2086 # names are checked words, split on spaces
	e=$("$@" $names 2>&1 >/dev/null)
	rc=$?
	set +f
	if [ "$rc" = 1 ] && [ "$sudo" = 1 ] && [ "$priv" = 1 ] && refused "$e"; then
		printf '%s\n' "$e" >&2
		exit 1
	fi
	if [ "$rc" = 0 ]; then
		for n in $names; do
			case $pre in *" $okdir/$n "*) ;; *) own="$own$okdir/$n " ;; esac
		done
		return 0
	fi
	for tg in $tags; do
		n=${names%% *}
		names=${names#"$n"}
		names=${names# }
		try "$tg" "$@" "$n"
		case $rc$pre in 0*" $okdir/$n "*) ;; 0*) own="$own$okdir/$n " ;; esac
	done
}

# version sets V to systemd's version number, once.
version() {
	[ -z "${V-}" ] || return 0
	V=$(systemctl --version 2>/dev/null) || V=
	V=${V#systemd }
	V=${V%%[!0-9]*}
	[ -n "$V" ] || V=0
	printf 'v\t%s\n' "$V"
}

# rmmask PATH removes one mask file, through sudo as sc does: the one
# command besides systemctl that sudo may be asked for, on systemd < 240.
rmmask() {
	if [ "$sudo" != 1 ]; then
		rm -f -- "$1"
	elif [ -n "$pw" ]; then
		printf '%s\n' "$pw" | sudo -S -p '' rm -f -- "$1"
	else
		sudo -n rm -f -- "$1"
	fi
}

# unmask239 TAG NAME DIR OTHER: systemd before 240 refuses `unmask --runtime`
# (src/systemctl/systemctl.c, v239), and its plain unmask, once it finds a
# mask in /etc or /run, unlinks the name in both, unit file or not
# (src/shared/install.c). Where OTHER holds nothing, plain unmask removes
# exactly the mask in DIR; otherwise the mask in DIR alone is removed with
# rm, checked first to be a mask and never a unit file.
unmask239() {
	kind "$3/$2"
	case $k in
	n | e) ;;
	*) return 0 ;;
	esac
	kind "$4/$2"
	if [ -z "$k" ]; then
		try "$1" sc unmask --no-reload -- "$2"
	else
		try "$1" rmmask "$3/$2"
	fi
}

batch() {
	sweep=$1
	shift
	priv=1
	pw=
	if [ "$sudo" = 1 ]; then IFS= read -r pw || :; fi
	# Each op is a WORD NAME pair, numbered from 1 in order.
	pre=' ' mp='' mpt='' mr='' mrt='' up='' upt='' ur='' urt='' stops='' stopt='' touched='' w='' i=0 need239=''
	for a do
		if [ -z "$w" ]; then w=$a; continue; fi
		i=$((i + 1))
		n=$a
		if ! ok "$n"; then
			printf 'rc\t%s\t2\nerr\t%s\tinvalid unit name\n' "$i" "$i"
			w=
			continue
		fi
		case $w in
		mask* | unmask*) ;;
		*) printf 'rc\t%s\t2\nerr\t%s\tunknown op\n' "$i" "$i"; w=; continue ;;
		esac
		touched="$touched $n"
		case $w in
		mask*-runtime) d=$R ;;
		mask*) d=$P ;;
		esac
		case $w in
		mask*)
			# A link already there that is not a mask of its own (an alias
			# of a masked unit leads to /dev/null too, and systemctl takes
			# it for the mask) is refused, as systemctl refuses a file.
			if [ -L "$d/$n" ]; then
				linkkind "$d/$n" "$(readlink -- "$d/$n")"
				case $k in
				n | e) ;;
				*)
					printf 'rc\t%s\t1\nerr\t%s\tFailed to mask unit, file "%s" already exists.\n' "$i" "$i" "$d/$n"
					w=''
					continue
					;;
				esac
			fi
			[ ! -e "$d/$n" ] && [ ! -L "$d/$n" ] || pre="$pre$d/$n "
			shadow "$n" "$d"
			if [ -n "$s" ]; then
				if [ -L "$s/$n" ]; then k=l; else k=f; fi
				printf 'shadow\t%s\t%s\t%s\n' "$i" "$k" "$s/$n"
				w=
				continue
			fi
			;;
		esac
		case $w in
		mask-runtime | mask-now-runtime) mr="$mr $n" mrt="$mrt $i" ;;
		mask | mask-now) mp="$mp $n" mpt="$mpt $i" ;;
		unmask-runtime) ur="$ur $n" urt="$urt $i" need239=1 ;;
		unmask) up="$up $n" upt="$upt $i"
			# Before 240, plain unmask would unlink /run's entry too.
			kind "$R/$n"
			[ -z "$k" ] || need239=1
			;;
		esac
		case $w in mask-now*) stops="$stops $d/$n" stopt="$stopt s$i" ;; esac
		w=
	done
	# What a successful mask leaves is systemctl's own link to /dev/null.
	own=' '
	okdir=$P
	group "$mpt" "${mp# }" sc mask --no-reload --
	okdir=$R
	group "$mrt" "${mr# }" sc mask --runtime --no-reload --
	okdir=/nonexistent
	[ -z "$need239" ] || version
	if [ -n "$need239" ] && [ "$V" -lt 240 ]; then
		for tg in $upt; do
			n=${up# }; n=${n%% *}; up=${up# }; up=${up#"$n"}
			unmask239 "$tg" "$n" "$P" "$R"
		done
		for tg in $urt; do
			n=${ur# }; n=${n%% *}; ur=${ur# }; ur=${ur#"$n"}
			unmask239 "$tg" "$n" "$R" "$P"
		done
	else
		group "$upt" "${up# }" sc unmask --no-reload --
		group "$urt" "${ur# }" sc unmask --runtime --no-reload --
	fi
	if [ -n "$touched" ] && [ "$scope" != global ]; then
		reload
	fi
	if [ -n "$stops" ] && [ "$scope" != global ]; then
		# Only units whose mask is now in place are stopped, as `systemctl
		# mask --now` stops nothing when the mask fails.
		sn='' st=''
		for f in $stops; do
			tg=${stopt# }; tg=${tg%% *}; stopt=${stopt# }; stopt=${stopt#"$tg"}
			kind "$f"
			case $k in n | e) sn="$sn ${f##*/}" st="$st $tg" ;; esac
		done
		group "$st" "${sn# }" sc stop --
	fi
	names=''
	if [ "$sweep" = 1 ] || [ -z "$touched" ]; then sweepmanaged; fi
	# shellcheck disable=SC2086 # checked names, split on spaces
	resolve $names $touched
}

# reload runs daemon-reload only when a touched unit is loaded with a load
# state the change made stale; a unit that is not loaded is read from disk
# when it is next loaded, mask included.
reload() {
	need=
	set -f
	# shellcheck disable=SC2086
	if ! u=$(priv=0; sc list-units --all --plain --no-legend --full -- $touched); then need=1; fi
	set +f
	while read -r n state _; do
		[ -n "$n" ] || continue
		effective "$n"
		case $m$state in yesmasked) ;; yes* | nomasked) need=1 ;; esac
	done <<EOF
$u
EOF
	if [ -n "$need" ]; then try reload sc daemon-reload; fi
}

# sweepmanaged adds to names every unit in the two directories `systemctl
# mask` writes.
sweepmanaged() {
	for d in "$P" "$R"; do
		for f in "$d"/* "$d"/.[!.]* "$d"/..?*; do
			n=${f##*/}
			# (a glob that matched nothing is no unit name)
			unit "$n" && names="$names $n"
		done
	done
}

# info NAME [TEMPLATE]: what every directory holds under the names, then
# the manager's properties of NAME as "show KEY=VALUE" lines (failing with
# systemctl's status when it fails), and "is-enabled STATE" (only that where
# no manager can be asked: the global scope, a template).
info() {
	for n do
		ok "$n" || { echo "invalid unit name" >&2; exit 2; }
	done
	resolve "$@"
	case $scope:$1 in
	global:* | *@.*)
		s=$(sc is-enabled -- "$1")
		printf 'is-enabled\t%s\n' "$s"
		;;
	*)
		s=$(scbridged show -p LoadState,ActiveState,UnitFileState,FragmentPath -- "$1") || exit
		printf '%s\n' "$s" | while IFS= read -r l; do printf 'show\t%s\n' "$l"; done
		# For an alias, show gives the state of the unit it names and
		# is-enabled says "alias": the state users read is is-enabled's.
		s=$(sc is-enabled -- "$1" 2>/dev/null)
		printf 'is-enabled\t%s\n' "$s"
		;;
	esac
}

# masked: every name that some directory of the search path masks, resolved.
masked() {
	seen=' '
	IFS=$nl
	set -f
	for d in $SPD; do
		unset IFS
		set +f
		d=${d#* }
		for f in "$d"/* "$d"/.[!.]* "$d"/..?*; do
			n=${f##*/}
			unit "$n" || continue
			case $seen in *" $n "*) continue ;; esac
			kind "$f"
			case $k in
			n | e) seen="$seen$n " ;;
			esac
		done
	done
	unset IFS
	set +f
	# shellcheck disable=SC2086 # checked names, split on spaces
	resolve $seen
}

verb=$1 scope=$2 sudo=$3
shift 3
account='' mflag=''
case $scope in
user:*)
	account=${scope#user:} scope=user
	reachaccount
	;;
esac
case $scope in
user) flag=--user ;;
global) flag=--global ;;
*) flag= ;;
esac
priv=0
searchpath
case $scope:$verb in
system:info | system:masked) managerpath ;;
esac
spdirs
case $verb in
batch) batch "$@" ;;
info) info "$@" ;;
masked) masked ;;
*) echo "unknown verb" >&2; exit 2 ;;
esac
echo end

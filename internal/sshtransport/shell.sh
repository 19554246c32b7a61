# shellcheck shell=sh
# The long-lived shell (shell.go): it runs commands of the form
# `sh -c SCRIPT NAME ARGS…` one after the other, each in a subshell of its
# own, without a new SSH session, login shell or parse of SCRIPT each time.
# Go writes frames, each a header line and the lines it announces:
#
#   h B            answer at once (the hello after start)
#   s ID N         the next N lines are a script, kept as the function f_ID
#   p              the next line is the sudo password
#   r B ID P N     run f_ID with the next N lines as its arguments; its
#                  stdin is the password line when P is 1, else /dev/null
#
# An answer is the command's stdout, then "\nB STATUS LEN\n" and LEN bytes
# of its stderr (trailing newlines dropped). B is random, new for every
# frame, and written nowhere else, so no output can be taken for the end
# of an answer. The server runs under LC_ALL=C, so LEN counts bytes.
# Its own names begin with _tf: scripts never see each other's variables,
# and see the server's only in their subshell, never exported; fd 9, the
# server's copy of stdout, is closed for them.

exec 9>&1
_tfpw=
while IFS=' ' read -r _tfc _tfb _tfid _tfp _tfn; do
	case $_tfc in
	h) printf '\n%s 0 0\n' "$_tfb" ;;
	s)
		# Here _tfb is the ID and _tfid the line count.
		_tfs=
		_tfn=$_tfid
		while [ "$_tfn" -gt 0 ] && IFS= read -r _tfl; do
			_tfs="$_tfs$_tfl
"
			_tfn=$((_tfn - 1))
		done
		eval "f_$_tfb() {
$_tfs
}"
		;;
	p) IFS= read -r _tfpw ;;
	r)
		set --
		while [ "$_tfn" -gt 0 ] && IFS= read -r _tfl; do
			set -- "$@" "$_tfl"
			_tfn=$((_tfn - 1))
		done
		if [ "$_tfp" = 1 ]; then
			_tfe=$(printf '%s\n' "$_tfpw" | {
				unset _tfpw
				"f_$_tfid" "$@"
			} 2>&1 >&9 9>&-)
			_tfr=$?
		else
			_tfe=$(
				unset _tfpw
				"f_$_tfid" "$@" </dev/null 2>&1 >&9 9>&-
			)
			_tfr=$?
		fi
		printf '\n%s %s %s\n%s' "$_tfb" "$_tfr" "${#_tfe}" "$_tfe"
		;;
	*) exit 2 ;;
	esac
done

# shellcheck shell=sh
# The long-lived shell (shell.go): it runs commands of the form
# `sh -c SCRIPT NAME ARGS…` one after the other, each in a subshell of its
# own, without a new SSH session, login shell or parse of SCRIPT each time.
# Go writes frames, each a header line and the lines it announces:
#
#   h B            answer at once (the hello after start)
#   s ID N         the next N lines are a script, kept as the function f_ID
#   p              the next line is the sudo password
#   r B ID P K N   run f_ID with the next N lines as its arguments; its
#                  stdin is the password line when P is 1, else /dev/null;
#                  with K 1 it may ask Go for calls (_tfcall)
#
# An answer is the command's stdout, then "\nB STATUS LEN\n" and LEN bytes
# of its stderr (trailing newlines dropped). B is random, new for every
# frame, and written nowhere else, so no output can be taken for the end
# of an answer. The server runs under LC_ALL=C, so LEN counts bytes.
#
# A call, in the middle of a command, is "\nB c N\n" and N lines (its
# words) on the server's stdout; Go answers on the server's stdin with
# "STATUS NOUT NERR" and that many lines of stdout, then of stderr, or with
# "-" when it does not serve the call (the caller then does without).
#
# Its own names begin with _tf: scripts never see each other's variables,
# and see the server's only in their subshell, never exported; fds 8 and 9,
# the server's copies of stdin and stdout, are closed for them, and lent as
# fds 6 and 7 to a command that may call.

# _tfcall WORD…: asks Go to answer WORD… (see above). It returns 0 with the
# answer's lines written out and its status in _tfrc, or 1 when the call is
# not served; Go gone in the middle ends the command.
_tfcall() {
	[ "${_tfk-}" = 1 ] || return 1
	printf '\n%s c %s\n' "$_tfb" "$#" >&7
	for _tfw do printf '%s\n' "$_tfw" >&7; done
	IFS=' ' read -r _tfrc _tfro _tfre <&6 || exit 125
	[ "$_tfrc" != - ] || return 1
	while [ "$_tfro" -gt 0 ]; do
		IFS= read -r _tfl <&6 || exit 125
		printf '%s\n' "$_tfl"
		_tfro=$((_tfro - 1))
	done
	while [ "$_tfre" -gt 0 ]; do
		IFS= read -r _tfl <&6 || exit 125
		printf '%s\n' "$_tfl" >&2
		_tfre=$((_tfre - 1))
	done
	return 0
}

exec 8<&0 9>&1
_tfpw=
while IFS=' ' read -r _tfc _tfb _tfid _tfp _tfk _tfn; do
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
		if [ "$_tfk" = 1 ]; then
			exec 6<&8 7>&9
		fi
		if [ "$_tfp" = 1 ]; then
			_tfe=$(printf '%s\n' "$_tfpw" | {
				unset _tfpw
				"f_$_tfid" "$@"
			} 2>&1 >&9 8<&- 9>&-)
			_tfr=$?
		else
			_tfe=$(
				unset _tfpw
				"f_$_tfid" "$@" </dev/null 2>&1 >&9 8<&- 9>&-
			)
			_tfr=$?
		fi
		exec 6<&- 7>&-
		printf '\n%s %s %s\n%s' "$_tfb" "$_tfr" "${#_tfe}" "$_tfe"
		;;
	*) exit 2 ;;
	esac
done

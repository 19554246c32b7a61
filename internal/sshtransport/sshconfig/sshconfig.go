// Package sshconfig resolves a host name through an OpenSSH client
// configuration file (ssh_config(5)) the way `ssh -F FILE -G HOST` does, for
// the keywords a connection needs: HostName, Port, User, IdentityFile,
// CertificateFile, IdentitiesOnly, IdentityAgent, ProxyJump,
// UserKnownHostsFile, GlobalKnownHostsFile, ConnectTimeout,
// ServerAliveInterval and StrictHostKeyChecking. Other keywords are read
// and ignored.
//
// OpenSSH evaluates a file line by line for one host: a Host or Match line
// decides whether the lines after it apply, and the first value obtained
// for a keyword wins (IdentityFile and CertificateFile accumulate). Match
// sees the values obtained so far, so `Match host` compares the HostName
// set above it. This package does the same in the same order. The tests
// hold it to OpenSSH itself.
package sshconfig

import (
	"errors"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Error is a file that cannot be used: where, and why.
type Error struct {
	File string
	Line int // 0 when the whole file is at fault
	Err  error
}

func (e *Error) Error() string {
	if e.Line == 0 {
		return e.File + ": " + e.Err.Error()
	}
	return fmt.Sprintf("%s line %d: %s", e.File, e.Line, e.Err)
}
func (e *Error) Unwrap() error { return e.Err }

// Config is a parsed file, with the files it includes.
type Config struct {
	path  string
	lines []line
}

type line struct {
	file    string
	num     int
	keyword string // lower case
	args    []string
	include []*Config // an Include line's files, in order
}

// Local is what the resolution needs to know of the local side: the user
// running the provider, its home, its host name and the environment.
type Local struct {
	User     string
	UID      int
	Home     string
	HostName string
	Getenv   func(string) string
}

// CurrentLocal is the provider's own local side. The home is the account's
// (from the password database), as OpenSSH takes it, not $HOME.
func CurrentLocal() (Local, error) {
	u, err := user.Current()
	if err != nil {
		return Local{}, fmt.Errorf("who is the local user: %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	host, _ := os.Hostname()
	return Local{User: u.Username, UID: uid, Home: u.HomeDir, HostName: host, Getenv: os.Getenv}, nil
}

const maxIncludeDepth = 16 // OpenSSH's READCONF_MAX_DEPTH

// Load reads the file at path and every file it includes. Relative Include
// paths are taken from home's .ssh, as OpenSSH does for a user's file (and
// for one given with -F).
func Load(path, home string) (*Config, error) {
	return load(path, home, 0)
}

func load(path, home string, depth int) (*Config, error) {
	if depth > maxIncludeDepth {
		return nil, &Error{File: path, Err: errors.New("too many nested Include files (a loop?)")}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &Error{File: path, Err: err}
	}
	c := &Config{path: path}
	for i, text := range strings.Split(string(data), "\n") {
		num := i + 1
		keyword, args, err := splitLine(text)
		if err != nil {
			return nil, &Error{File: path, Line: num, Err: err}
		}
		if keyword == "" {
			continue
		}
		l := line{file: path, num: num, keyword: keyword, args: args}
		switch keyword {
		case "host", "match", "include":
			if len(args) == 0 {
				return nil, &Error{File: path, Line: num, Err: fmt.Errorf("%s needs an argument", keyword)}
			}
		}
		if keyword == "match" {
			if err := checkMatch(args); err != nil {
				return nil, &Error{File: path, Line: num, Err: err}
			}
		}
		if keyword == "include" {
			for _, pattern := range args {
				pattern = expandTilde(pattern, home)
				if !filepath.IsAbs(pattern) {
					pattern = filepath.Join(home, ".ssh", pattern)
				}
				files, err := filepath.Glob(pattern)
				if err != nil {
					return nil, &Error{File: path, Line: num, Err: fmt.Errorf("cannot expand the Include %q: %w", pattern, err)}
				}
				sort.Strings(files)
				for _, f := range files {
					inc, err := load(f, home, depth+1)
					if err != nil {
						return nil, err
					}
					l.include = append(l.include, inc)
				}
			}
		}
		c.lines = append(c.lines, l)
	}
	return c, nil
}

// splitLine is OpenSSH's reading of one line: a keyword, then its
// arguments, separated by blanks or one "=", with double or single quotes
// grouping and a "#" starting a comment at the start of a word.
func splitLine(text string) (string, []string, error) {
	text = strings.TrimRight(text, " \t\r\n")
	trimmed := strings.TrimLeft(text, " \t")
	if trimmed == "" || trimmed[0] == '#' {
		return "", nil, nil
	}
	end := strings.IndexAny(trimmed, " \t=")
	if end < 0 {
		return strings.ToLower(trimmed), nil, nil
	}
	keyword, rest := trimmed[:end], strings.TrimLeft(trimmed[end:], " \t")
	if strings.HasPrefix(rest, "=") {
		rest = strings.TrimLeft(rest[1:], " \t")
	}
	args, err := splitArgs(rest)
	return strings.ToLower(keyword), args, err
}

func splitArgs(s string) ([]string, error) {
	var (
		args  []string
		cur   strings.Builder
		inArg bool
		quote byte
	)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0 && c == quote:
			quote = 0
		case quote != 0:
			if c == '\\' && i+1 < len(s) && (s[i+1] == quote || s[i+1] == '\\') {
				i++
				c = s[i]
			}
			cur.WriteByte(c)
		case c == ' ' || c == '\t':
			if inArg {
				args = append(args, cur.String())
				cur.Reset()
				inArg = false
			}
		case c == '#' && !inArg:
			return args, nil
		case c == '"' || c == '\'':
			quote, inArg = c, true
		case c == '\\' && i+1 < len(s) && strings.IndexByte(`"'\ `, s[i+1]) >= 0:
			i++
			cur.WriteByte(s[i])
			inArg = true
		default:
			cur.WriteByte(c)
			inArg = true
		}
	}
	if quote != 0 {
		return nil, errors.New("unterminated quote")
	}
	if inArg {
		args = append(args, cur.String())
	}
	return args, nil
}

// checkMatch refuses the Match criteria this package does not evaluate,
// before any host is resolved: a file with them cannot be read right.
func checkMatch(args []string) error {
	for i := 0; i < len(args); i++ {
		criterion := strings.ToLower(strings.TrimPrefix(args[i], "!"))
		switch criterion {
		case "all":
			if len(args) != 1 {
				return errors.New(`"Match all" takes no other criteria`)
			}
		case "host", "originalhost", "user", "localuser":
			if i+1 >= len(args) {
				return fmt.Errorf("a Match %s needs a pattern list", criterion)
			}
			i++
		default:
			return fmt.Errorf("the criterion Match %s is not supported (only host, originalhost, user, localuser and all are): "+
				"give the provider a file without it, or set the connection in HCL", criterion)
		}
	}
	return nil
}

// Host is a host name resolved through a Config.
type Host struct {
	Alias    string // the name resolved
	HostName string // lower case, as ssh dials it
	Port     int
	User     string
	// IdentityFiles and CertificateFiles are expanded (~, %-tokens,
	// ${VAR}); with no IdentityFile line they are OpenSSH's defaults.
	IdentityFiles         []string
	CertificateFiles      []string
	IdentitiesOnly        bool
	IdentityAgent         string   // "" when not set; "none", "SSH_AUTH_SOCK" or a path
	ProxyJump             []Jump   // nil for none
	UserKnownHostsFiles   []string // expanded; "none" when so set
	GlobalKnownHostsFiles []string
	ConnectTimeout        time.Duration // 0: none
	ServerAliveInterval   time.Duration
	StrictHostKeyChecking string // "true", "false", "ask", "accept-new", as ssh -G prints it
	// Set says which keywords the file gave (lower case), so that a
	// caller's own settings can win over the file but not over nothing.
	Set map[string]bool
	// Raw holds the unexpanded values of the accumulating keywords, as
	// `ssh -G` prints them.
	RawIdentityFiles    []string
	RawCertificateFiles []string
}

// Jump is one ProxyJump hop.
type Jump struct {
	User string // "" when not given
	Host string
	Port int // 0 when not given
}

func (j Jump) String() string {
	s := j.Host
	if strings.Contains(s, ":") {
		s = "[" + s + "]"
	}
	if j.User != "" {
		s = j.User + "@" + s
	}
	if j.Port != 0 {
		s += ":" + strconv.Itoa(j.Port)
	}
	return s
}

// state is the resolution in progress: the first value of each keyword.
type state struct {
	alias  string
	local  Local
	values map[string][]string
	where  map[string]string // keyword → "FILE line N", for errors
	ids    []string
	certs  []string
	// idsWhere and certsWhere are where each of ids and certs came from.
	idsWhere, certsWhere []string
}

// Resolve evaluates the file for alias.
func (c *Config) Resolve(alias string, local Local) (*Host, error) {
	if local.Getenv == nil {
		local.Getenv = func(string) string { return "" }
	}
	st := &state{alias: alias, local: local, values: map[string][]string{}, where: map[string]string{}}
	if err := c.eval(st, true); err != nil {
		return nil, err
	}
	return st.host()
}

// eval runs the file's lines; enclosing is whether the line that included
// it applies (a file included from an inactive block never applies).
func (c *Config) eval(st *state, enclosing bool) error {
	active := enclosing
	for _, l := range c.lines {
		switch l.keyword {
		case "host":
			active = enclosing && matchHostLine(st.alias, l.args)
			continue
		case "match":
			active = enclosing && st.matchLine(l.args)
			continue
		case "include":
			for _, inc := range l.include {
				if err := inc.eval(st, active); err != nil {
					return err
				}
			}
			continue
		}
		if !active {
			continue
		}
		if err := st.apply(l); err != nil {
			return &Error{File: l.file, Line: l.num, Err: err}
		}
	}
	return nil
}

var knownKeywords = map[string]bool{
	"hostname": true, "port": true, "user": true, "identityfile": true, "certificatefile": true,
	"identitiesonly": true, "identityagent": true, "proxyjump": true, "userknownhostsfile": true,
	"globalknownhostsfile": true, "connecttimeout": true, "serveraliveinterval": true,
	"stricthostkeychecking": true, "proxycommand": true,
}

func (st *state) apply(l line) error {
	if !knownKeywords[l.keyword] {
		return nil
	}
	if len(l.args) == 0 {
		return fmt.Errorf("%s needs a value", l.keyword)
	}
	switch l.keyword {
	case "identityfile":
		st.ids = append(st.ids, l.args[0])
		st.idsWhere = append(st.idsWhere, fmt.Sprintf("%s line %d", l.file, l.num))
		return nil
	case "certificatefile":
		st.certs = append(st.certs, l.args[0])
		st.certsWhere = append(st.certsWhere, fmt.Sprintf("%s line %d", l.file, l.num))
		return nil
	case "proxyjump", "proxycommand":
		// The first of the two obtained wins over both.
		_, jump := st.values["proxyjump"]
		_, command := st.values["proxycommand"]
		if jump || command {
			return nil
		}
		if l.keyword == "proxycommand" && !strings.EqualFold(l.args[0], "none") {
			return errors.New("ProxyCommand is not supported: use ProxyJump, or set the connection in HCL")
		}
	}
	if _, set := st.values[l.keyword]; set {
		return nil // the first value obtained wins
	}
	if err := checkValue(l.keyword, l.args); err != nil {
		return err
	}
	st.values[l.keyword] = l.args
	st.where[l.keyword] = fmt.Sprintf("%s line %d", l.file, l.num)
	return nil
}

func checkValue(keyword string, args []string) error {
	one := func() error {
		if len(args) != 1 {
			return fmt.Errorf("%s takes one value, not %d", keyword, len(args))
		}
		return nil
	}
	switch keyword {
	case "port":
		if err := one(); err != nil {
			return err
		}
		if n, err := strconv.Atoi(args[0]); err != nil || n < 1 || n > 65535 {
			return fmt.Errorf("the Port %q is not a port number (1-65535)", args[0])
		}
	case "identitiesonly":
		if _, err := yesNo(args[0]); err != nil {
			return fmt.Errorf("IdentitiesOnly: %w", err)
		}
	case "connecttimeout", "serveraliveinterval":
		if _, err := convtime(args[0]); err != nil {
			return fmt.Errorf("%s: %w", keyword, err)
		}
	case "stricthostkeychecking":
		switch strings.ToLower(args[0]) {
		case "yes", "true", "no", "false", "off", "ask", "accept-new":
		default:
			return fmt.Errorf("StrictHostKeyChecking %q is not yes, no, ask, accept-new or off", args[0])
		}
	case "proxyjump":
		if _, err := parseJumps(args[0]); err != nil {
			return fmt.Errorf("ProxyJump: %w", err)
		}
	case "hostname", "user":
		return one()
	}
	return nil
}

func yesNo(s string) (bool, error) {
	switch strings.ToLower(s) {
	case "yes", "true":
		return true, nil
	case "no", "false":
		return false, nil
	}
	return false, fmt.Errorf("%q is not yes or no", s)
}

// convtime reads OpenSSH's time format: seconds, or numbers each with a
// unit (s, m, h, d, w), as "1m30s".
func convtime(s string) (time.Duration, error) {
	if strings.EqualFold(s, "none") {
		return 0, nil
	}
	var total time.Duration
	rest := s
	if rest == "" {
		return 0, errors.New("empty time")
	}
	for rest != "" {
		i := 0
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
		if i == 0 {
			return 0, fmt.Errorf("%q is not a time (seconds, or as 1m30s)", s)
		}
		n, _ := strconv.Atoi(rest[:i])
		unit := time.Second
		rest = rest[i:]
		if rest != "" {
			switch rest[0] {
			case 's', 'S':
			case 'm', 'M':
				unit = time.Minute
			case 'h', 'H':
				unit = time.Hour
			case 'd', 'D':
				unit = 24 * time.Hour
			case 'w', 'W':
				unit = 7 * 24 * time.Hour
			default:
				return 0, fmt.Errorf("%q is not a time (seconds, or as 1m30s)", s)
			}
			rest = rest[1:]
		}
		total += time.Duration(n) * unit
	}
	return total, nil
}

// parseJumps reads ProxyJump's comma-separated [user@]host[:port] list
// (or ssh://[user@]host[:port] URIs); "none" is no jump.
func parseJumps(s string) ([]Jump, error) {
	if strings.EqualFold(s, "none") {
		return nil, nil
	}
	var jumps []Jump
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimPrefix(part, "ssh://")
		var j Jump
		if at := strings.LastIndex(part, "@"); at >= 0 {
			j.User, part = part[:at], part[at+1:]
		}
		host, port := part, ""
		if strings.HasPrefix(part, "[") {
			end := strings.Index(part, "]")
			if end < 0 {
				return nil, fmt.Errorf("%q: unclosed [", s)
			}
			host, port = part[1:end], part[end+1:]
			if port != "" && !strings.HasPrefix(port, ":") {
				return nil, fmt.Errorf("%q: text after ]", s)
			}
			port = strings.TrimPrefix(port, ":")
		} else if i := strings.LastIndex(part, ":"); i >= 0 && strings.Count(part, ":") == 1 {
			host, port = part[:i], part[i+1:]
		}
		if port != "" {
			n, err := strconv.Atoi(port)
			if err != nil || n < 1 || n > 65535 {
				return nil, fmt.Errorf("%q: port %q is not a port number", s, port)
			}
			j.Port = n
		}
		if host == "" {
			return nil, fmt.Errorf("%q: a hop without a host", s)
		}
		j.Host = host
		jumps = append(jumps, j)
	}
	return jumps, nil
}

// matchHostLine is a Host line: some pattern matches the name as given
// and no negated one does (case matters, as in OpenSSH's match_pattern).
func matchHostLine(alias string, patterns []string) bool { return matchAny(alias, patterns) }

// matchList is OpenSSH's match_pattern_list: comma-separated patterns;
// fold compares host names in lower case.
func matchList(s, list string, fold bool) bool {
	if fold {
		s, list = strings.ToLower(s), strings.ToLower(list)
	}
	return matchAny(s, strings.Split(list, ","))
}

// matchAny: some pattern matches s, and no negated ("!") one does.
func matchAny(s string, patterns []string) bool {
	found := false
	for _, p := range patterns {
		neg := strings.HasPrefix(p, "!")
		if match(s, strings.TrimPrefix(p, "!")) {
			if neg {
				return false
			}
			found = true
		}
	}
	return found
}

// match is OpenSSH's match_pattern: "*" any run, "?" any one byte.
func match(s, pattern string) bool {
	for len(pattern) > 0 {
		switch pattern[0] {
		case '*':
			for len(pattern) > 0 && pattern[0] == '*' {
				pattern = pattern[1:]
			}
			if pattern == "" {
				return true
			}
			for i := 0; i <= len(s); i++ {
				if match(s[i:], pattern) {
					return true
				}
			}
			return false
		case '?':
			if s == "" {
				return false
			}
		default:
			if s == "" || s[0] != pattern[0] {
				return false
			}
		}
		s, pattern = s[1:], pattern[1:]
	}
	return s == ""
}

// matchLine is a Match line, evaluated with what is known so far.
func (st *state) matchLine(args []string) bool {
	for i := 0; i < len(args); i++ {
		neg := strings.HasPrefix(args[i], "!")
		criterion := strings.ToLower(strings.TrimPrefix(args[i], "!"))
		var ok bool
		switch criterion {
		case "all":
			ok = true
		case "host":
			i++
			ok = matchList(st.hostNameSoFar(), args[i], true)
		case "originalhost":
			i++
			ok = matchList(st.alias, args[i], true)
		case "user":
			i++
			ok = matchList(st.userSoFar(), args[i], false)
		case "localuser":
			i++
			ok = matchList(st.local.User, args[i], false)
		}
		if ok == neg {
			return false
		}
	}
	return true
}

func (st *state) hostNameSoFar() string {
	if v, ok := st.values["hostname"]; ok {
		return expandHostName(v[0], st.alias)
	}
	return st.alias
}

func (st *state) userSoFar() string {
	if v, ok := st.values["user"]; ok {
		return v[0]
	}
	return st.local.User
}

func expandHostName(s, alias string) string {
	return strings.ReplaceAll(strings.ReplaceAll(strings.ReplaceAll(s, "%%", "\x00"), "%h", alias), "\x00", "%")
}

var defaultIdentities = []string{"~/.ssh/id_rsa", "~/.ssh/id_ecdsa", "~/.ssh/id_ecdsa_sk", "~/.ssh/id_ed25519", "~/.ssh/id_ed25519_sk", "~/.ssh/id_xmss", "~/.ssh/id_dsa"}

func (st *state) host() (*Host, error) {
	h := &Host{Alias: st.alias, Port: 22, User: st.local.User, StrictHostKeyChecking: "ask", Set: map[string]bool{}}
	for k := range st.values {
		h.Set[k] = true
	}
	if len(st.ids) > 0 {
		h.Set["identityfile"] = true
	}
	if len(st.certs) > 0 {
		h.Set["certificatefile"] = true
	}
	first := func(k string) (string, bool) {
		v, ok := st.values[k]
		if !ok {
			return "", false
		}
		return v[0], true
	}
	h.HostName = strings.ToLower(st.alias)
	if v, ok := first("hostname"); ok {
		h.HostName = strings.ToLower(expandHostName(v, st.alias))
	}
	if v, ok := first("port"); ok {
		h.Port, _ = strconv.Atoi(v)
	}
	if v, ok := first("user"); ok {
		h.User = v
	}
	if v, ok := first("identitiesonly"); ok {
		h.IdentitiesOnly, _ = yesNo(v)
	}
	if v, ok := first("connecttimeout"); ok {
		h.ConnectTimeout, _ = convtime(v)
	}
	if v, ok := first("serveraliveinterval"); ok {
		h.ServerAliveInterval, _ = convtime(v)
	}
	if v, ok := first("stricthostkeychecking"); ok {
		switch strings.ToLower(v) {
		case "yes", "true":
			h.StrictHostKeyChecking = "true"
		case "no", "false", "off":
			h.StrictHostKeyChecking = "false"
		default:
			h.StrictHostKeyChecking = strings.ToLower(v)
		}
	}
	if v, ok := first("proxyjump"); ok {
		h.ProxyJump, _ = parseJumps(v)
	}
	tokens := st.tokens(h)
	// expandAt expands s, a value of keyword from where (a file and line).
	expandAt := func(keyword, s, where string) (string, error) {
		out, err := expandTokens(expandTilde(s, st.local.Home), tokens, st.local.Getenv)
		if err != nil {
			return "", &Error{File: where, Err: fmt.Errorf("%s %q: %w", keyword, s, err)}
		}
		return out, nil
	}
	expand := func(keyword, s string) (string, error) { return expandAt(keyword, s, st.whereOf(keyword)) }
	// expandAll expands files, each from its wheres (nil: the keyword's).
	expandAll := func(keyword string, files, wheres []string) ([]string, error) {
		var out []string
		for i, f := range files {
			where := st.whereOf(keyword)
			if i < len(wheres) {
				where = wheres[i]
			}
			x, err := expandAt(keyword, f, where)
			if err != nil {
				return nil, err
			}
			out = append(out, x)
		}
		return out, nil
	}
	h.RawIdentityFiles, h.RawCertificateFiles = st.ids, st.certs
	if len(h.RawIdentityFiles) == 0 {
		h.RawIdentityFiles = defaultIdentities
	}
	var err error
	if h.IdentityFiles, err = expandAll("IdentityFile", h.RawIdentityFiles, st.idsWhere); err != nil {
		return nil, err
	}
	if h.CertificateFiles, err = expandAll("CertificateFile", st.certs, st.certsWhere); err != nil {
		return nil, err
	}
	if v, ok := first("identityagent"); ok {
		if v == "none" || v == "SSH_AUTH_SOCK" {
			h.IdentityAgent = v
		} else {
			x, err := expand("IdentityAgent", v)
			if err != nil {
				return nil, err
			}
			h.IdentityAgent = x
		}
	}
	knownHosts := func(keyword string, defaults []string) ([]string, error) {
		if files, ok := st.values[keyword]; ok {
			return expandAll(keyword, files, nil)
		}
		return expandAll(keyword, defaults, nil)
	}
	if h.UserKnownHostsFiles, err = knownHosts("userknownhostsfile", []string{"~/.ssh/known_hosts", "~/.ssh/known_hosts2"}); err != nil {
		return nil, err
	}
	if h.GlobalKnownHostsFiles, err = knownHosts("globalknownhostsfile", []string{"/etc/ssh/ssh_known_hosts", "/etc/ssh/ssh_known_hosts2"}); err != nil {
		return nil, err
	}
	return h, nil
}

func (st *state) whereOf(keyword string) string {
	if w, ok := st.where[strings.ToLower(keyword)]; ok {
		return w
	}
	return "the configuration"
}

// tokens are the %-tokens of ssh_config(5)'s TOKENS section that this
// package expands.
func (st *state) tokens(h *Host) map[byte]string {
	short := st.local.HostName
	if i := strings.IndexByte(short, '.'); i >= 0 {
		short = short[:i]
	}
	jump := ""
	if len(h.ProxyJump) > 0 {
		if v, ok := st.values["proxyjump"]; ok {
			jump = v[0]
		}
	}
	return map[byte]string{
		'%': "%",
		'd': st.local.Home,
		'h': h.HostName,
		'i': strconv.Itoa(st.local.UID),
		'j': jump,
		'k': st.alias,
		'L': short,
		'l': st.local.HostName,
		'n': st.alias,
		'p': strconv.Itoa(h.Port),
		'r': h.User,
		'u': st.local.User,
	}
}

func expandTilde(s, home string) string {
	if s == "~" {
		return home
	}
	if strings.HasPrefix(s, "~/") {
		return home + s[1:]
	}
	return s
}

// expandTokens replaces %X tokens and ${VAR} references.
func expandTokens(s string, tokens map[byte]string, getenv func(string) string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '%':
			if i+1 >= len(s) {
				return "", errors.New("a lone % at the end")
			}
			v, ok := tokens[s[i+1]]
			if !ok {
				return "", fmt.Errorf("the token %%%c is not supported", s[i+1])
			}
			b.WriteString(v)
			i++
		case s[i] == '$' && i+1 < len(s) && s[i+1] == '{':
			end := strings.IndexByte(s[i:], '}')
			if end < 0 {
				return "", errors.New("an unclosed ${")
			}
			name := s[i+2 : i+end]
			v := getenv(name)
			if v == "" {
				return "", fmt.Errorf("the environment variable %s is not set", name)
			}
			b.WriteString(v)
			i += end
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String(), nil
}

// Value is one keyword line of a file, wherever it applies.
type Value struct {
	File string
	Line int
	Args []string
}

// Values are the lines of keyword (lower case) in the file and the files
// it includes, in order, whichever hosts they apply to.
func (c *Config) Values(keyword string) []Value {
	var out []Value
	for _, l := range c.lines {
		if l.keyword == keyword {
			out = append(out, Value{File: l.file, Line: l.num, Args: l.args})
		}
		for _, inc := range l.include {
			out = append(out, inc.Values(keyword)...)
		}
	}
	return out
}

package sshtransport

import (
	"fmt"
	"net"
	"strconv"
	"strings"
)

// ParseAddress reads "HOST", "HOST:PORT", "[IPv6]" or "[IPv6]:PORT" and
// returns the address to dial, "HOST:PORT", using defaultPort when none is
// written. The host is kept as written, apart from the brackets.
func ParseAddress(s string, defaultPort int) (string, error) {
	addr, _, err := SplitAddress(s, defaultPort)
	return addr, err
}

// SplitAddress is ParseAddress that also tells whether s wrote a port.
func SplitAddress(s string, defaultPort int) (addr string, hasPort bool, err error) {
	if s == "" {
		return "", false, fmt.Errorf("host is empty")
	}
	host, port := s, ""
	switch {
	case strings.HasPrefix(s, "["):
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return "", false, fmt.Errorf("%q: missing ']' after the IPv6 address", s)
		}
		host, port = s[1:end], s[end+1:]
		if port != "" {
			if !strings.HasPrefix(port, ":") {
				return "", false, fmt.Errorf("%q: expected \":PORT\" after ']'", s)
			}
			port = port[1:]
			if port == "" {
				return "", false, fmt.Errorf("%q: empty port after ':'", s)
			}
		}
		zoneless, zone, hasZone := strings.Cut(host, "%")
		if ip := net.ParseIP(zoneless); ip == nil || ip.To4() != nil && !strings.Contains(zoneless, ":") {
			return "", false, fmt.Errorf("%q: %q in brackets is not an IPv6 address", s, host)
		}
		if hasZone {
			if err := checkHostname(zone); err != nil {
				return "", false, fmt.Errorf("%q: IPv6 zone %q: %w", s, zone, err)
			}
		}
	case strings.Count(s, ":") > 1:
		return "", false, fmt.Errorf("%q: write an IPv6 address in brackets, e.g. \"[%s]\" or \"[%s]:22\"", s, s, s)
	case strings.Contains(s, ":"):
		host, port, _ = strings.Cut(s, ":")
		if port == "" {
			return "", false, fmt.Errorf("%q: empty port after ':'", s)
		}
		fallthrough
	default:
		if err := checkHostname(host); err != nil {
			return "", false, fmt.Errorf("%q: %w", s, err)
		}
	}
	p := defaultPort
	if port != "" {
		n, err := strconv.Atoi(port)
		if err != nil || strings.HasPrefix(port, "+") {
			return "", false, fmt.Errorf("%q: port %q is not a number", s, port)
		}
		p = n
	}
	if p < 1 || p > 65535 {
		return "", false, fmt.Errorf("%q: port %d is outside 1-65535", s, p)
	}
	return net.JoinHostPort(host, strconv.Itoa(p)), port != "", nil
}

// checkHostname accepts DNS names and IPv4 addresses: letters, digits, '-',
// '_' and '.', which is also all a known_hosts lookup and an error message
// can show faithfully.
func checkHostname(h string) error {
	if h == "" {
		return fmt.Errorf("empty host name")
	}
	if len(h) > 253 {
		return fmt.Errorf("host name longer than 253 characters")
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' {
			continue
		}
		return fmt.Errorf("host names may only contain letters, digits, '-', '_' and '.', not %q", string(c))
	}
	return nil
}

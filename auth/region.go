package auth

import (
	"fmt"
	"net"
	"net/url"
	"strings"
)

// Region is an ESET Connect data-centre region.
type Region string

// The regions ESET Connect serves. Japan is "jpn", not "jp".
const (
	RegionEU  Region = "eu"
	RegionDE  Region = "de"
	RegionUS  Region = "us"
	RegionCA  Region = "ca"
	RegionJPN Region = "jpn"
)

// Regions lists every region in the order people see them.
var Regions = []Region{RegionEU, RegionDE, RegionUS, RegionCA, RegionJPN}

// regionNames are the names people know the regions by.
var regionNames = map[Region]string{
	RegionEU:  "Europe",
	RegionDE:  "Germany",
	RegionUS:  "United States",
	RegionCA:  "Canada",
	RegionJPN: "Japan",
}

// Name is the region's name as people know it, e.g. "Japan".
func (r Region) Name() string { return regionNames[r] }

// BaseURL is the region's ESET Business Account IAM address, which serves
// the token endpoint.
func (r Region) BaseURL() string {
	return "https://" + string(r) + ".business-account.iam.eset.systems"
}

// ParseRegion reads a region code, ignoring case and surrounding spaces.
func ParseRegion(s string) (Region, error) {
	r := Region(strings.ToLower(strings.TrimSpace(s)))
	if _, ok := regionNames[r]; ok {
		return r, nil
	}
	hint := ""
	if r == "jp" {
		hint = " (Japan is jpn)"
	}
	return "", fmt.Errorf("unknown region %q%s: use one of eu, de, us, ca, jpn", s, hint)
}

// TokenURL is the token endpoint below a base URL.
func TokenURL(baseURL string) string {
	return strings.TrimRight(baseURL, "/") + "/oauth/token"
}

// CheckEndpoint validates a custom base URL (for a proxy or a test server)
// and returns it normalised, without a trailing slash. It must be https;
// plain http is accepted only for loopback hosts, so credentials never
// cross a network in clear text. User info, queries and fragments are
// refused because they would end up in logs and error messages.
func CheckEndpoint(raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.Opaque != "" {
		return "", fmt.Errorf("endpoint %q is not a URL: give one like https://proxy.example:8443", raw)
	}
	if u.User != nil {
		return "", fmt.Errorf("endpoint must not contain a user name or password: remove the part before @")
	}
	if u.RawQuery != "" || u.Fragment != "" || u.ForceQuery {
		return "", fmt.Errorf("endpoint %q must not have a query or fragment: give only scheme, host and path", raw)
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
	case "http":
		if !isLoopback(u.Hostname()) {
			return "", fmt.Errorf("endpoint %q uses plain http: use https (http is allowed only for localhost)", raw)
		}
	default:
		return "", fmt.Errorf("endpoint %q must start with https://", raw)
	}
	u.Scheme = strings.ToLower(u.Scheme)
	return strings.TrimRight(u.String(), "/"), nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

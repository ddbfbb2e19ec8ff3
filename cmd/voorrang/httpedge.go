package main

import (
	"crypto/tls"
	"flag"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strings"

	"github.com/voorrang/voorrang/ui"
)

// httpEdge holds the flags that guard the HTTP port.
type httpEdge struct {
	publicURL      string
	allowedHosts   string
	trustedProxies string
	frameAncestors string
	tlsCert        string
	tlsKey         string
	maxConns       int
	maxConnsPerIP  int
	rateLimit      int
	signInLimit    int
}

func (e *httpEdge) register(fs *flag.FlagSet) {
	fs.StringVar(&e.publicURL, "public-url", "", "where browsers reach the service, e.g. https://voorrang.example.org: the only host name served (empty: localhost only); https makes cookies Secure and sends HSTS")
	fs.StringVar(&e.allowedHosts, "allowed-hosts", "", "further host names the service answers to, comma-separated")
	fs.StringVar(&e.trustedProxies, "trusted-proxies", "", "addresses or networks of reverse proxies whose X-Forwarded-For names the client, comma-separated")
	fs.StringVar(&e.frameAncestors, "frame-ancestors", "", "origins that may show the panel in a frame (a PACS), comma-separated, e.g. https://pacs.example.org")
	fs.StringVar(&e.tlsCert, "tls-cert", "", "PEM certificate file: serve HTTP over TLS (HTTPS)")
	fs.StringVar(&e.tlsKey, "tls-key", "", "PEM private key file for --tls-cert")
	fs.IntVar(&e.maxConns, "http-max-conns", 10_000, "HTTP connections open at once (websockets apart); more are answered 503")
	fs.IntVar(&e.maxConnsPerIP, "http-max-conns-per-ip", 256, "HTTP connections open at once from one address (off behind --trusted-proxies)")
	fs.IntVar(&e.rateLimit, "rate-limit", 1200, "requests per minute from one client address; more are answered 429 (-1: no limit)")
	fs.IntVar(&e.signInLimit, "signin-rate-limit", 10, "sign-in attempts per minute from one client address")
}

// edge returns the ui.Edge of the flags; secure says HTTP is served over
// TLS.
func (e *httpEdge) edge(secure bool) (ui.Edge, error) {
	out := ui.Edge{PublicURL: strings.TrimSuffix(e.publicURL, "/"), AllowedHosts: splitList(e.allowedHosts), Secure: secure,
		MaxConns: e.maxConns, MaxConnsPerIP: e.maxConnsPerIP, RateLimit: e.rateLimit, SignInRateLimit: e.signInLimit}
	if e.maxConnsPerIP == 0 {
		out.MaxConnsPerIP = -1
	}
	if e.publicURL != "" {
		u, err := url.Parse(e.publicURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			return out, fmt.Errorf("--public-url %q: want http(s)://host[:port]", e.publicURL)
		}
	}
	for _, o := range splitList(e.frameAncestors) {
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || strings.Trim(u.Path, "/") != "" ||
			strings.ContainsAny(o, " ;,'\"") {
			return out, fmt.Errorf("--frame-ancestors %q: want an origin such as https://pacs.example.org", o)
		}
		out.FrameAncestors = append(out.FrameAncestors, strings.TrimSuffix(o, "/"))
	}
	for _, f := range splitList(e.trustedProxies) {
		p, err := parsePrefix(f)
		if err != nil {
			return out, fmt.Errorf("--trusted-proxies: %w", err)
		}
		out.TrustedProxies = append(out.TrustedProxies, p)
	}
	return out, nil
}

// listen wraps l in TLS when --tls-cert is set, and reports whether it did.
func (e *httpEdge) listen(l net.Listener) (net.Listener, bool, error) {
	if e.tlsCert == "" && e.tlsKey == "" {
		return l, false, nil
	}
	cert, err := tls.LoadX509KeyPair(e.tlsCert, e.tlsKey)
	if err != nil {
		return nil, false, fmt.Errorf("HTTP TLS: %w", err)
	}
	return tls.NewListener(l, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}), true, nil
}

// parsePrefix reads a network (10.0.0.0/8) or one address (10.1.2.3).
func parsePrefix(s string) (netip.Prefix, error) {
	if !strings.Contains(s, "/") {
		a, err := netip.ParseAddr(s)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("%q: not an address or network", s)
		}
		a = a.Unmap()
		return netip.PrefixFrom(a, a.BitLen()), nil
	}
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("%q: not an address or network", s)
	}
	if p.Addr().Is4In6() {
		p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
	}
	return p.Masked(), nil
}

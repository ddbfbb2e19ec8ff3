package ui

import (
	"bytes"
	"mime"
	"net"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/limiter"
)

// Edge guards the HTTP port. The zero value suits a service reached on
// localhost (the demo); a hospital sets PublicURL, and TrustedProxies when
// a proxy terminates TLS.
type Edge struct {
	// PublicURL is where browsers reach the service, e.g.
	// "https://voorrang.example.org": its host is the Host requests must
	// carry (a page on another name cannot reach the service through DNS
	// rebinding) and its origin the one pages may send requests from.
	// Empty accepts localhost, 127.0.0.1 and [::1] only.
	PublicURL string
	// AllowedHosts are further host names requests may carry.
	AllowedHosts []string
	// TrustedProxies are the addresses of reverse proxies in front of the
	// service: from them, and only them, X-Forwarded-For names the
	// client (read from the right, skipping the proxies).
	TrustedProxies []netip.Prefix
	// FrameAncestors are the origins, besides the service's own, that may
	// show the panel in a frame (a PACS that embeds it).
	FrameAncestors []string
	// Secure says the service is reached over HTTPS, served by it or by a
	// proxy: responses carry HSTS and cookies are Secure.
	Secure bool
	// MaxConns bounds the HTTP connections open at once (websockets
	// apart); one more is answered 503 and closed. Zero means 10,000.
	MaxConns int
	// MaxConnsPerIP bounds the connections of one client address; zero
	// means 256, negative none. It is off when TrustedProxies are set, as
	// every client then comes through the proxy's address.
	MaxConnsPerIP int
	// RateLimit is how many requests one client address may make in a
	// minute; zero means 1,200, negative no limit. SignInRateLimit is
	// that for sign-in attempts; zero means 10.
	RateLimit       int
	SignInRateLimit int
}

func (e *Edge) defaults() {
	if e.MaxConns == 0 {
		e.MaxConns = 10_000
	}
	if e.MaxConnsPerIP == 0 {
		e.MaxConnsPerIP = 256
	}
	if len(e.TrustedProxies) > 0 || e.MaxConnsPerIP < 0 {
		e.MaxConnsPerIP = 0
	}
	if e.RateLimit == 0 {
		e.RateLimit = 1200
	}
	if e.SignInRateLimit == 0 {
		e.SignInRateLimit = 10
	}
	if strings.HasPrefix(e.PublicURL, "https://") {
		e.Secure = true
	}
}

// hosts returns the host names requests may carry, lower case, without
// port.
func (e *Edge) hosts() []string {
	var hs []string
	if u, err := url.Parse(e.PublicURL); err == nil && u.Hostname() != "" {
		hs = append(hs, strings.ToLower(u.Hostname()))
	}
	for _, h := range e.AllowedHosts {
		hs = append(hs, strings.ToLower(strings.Trim(h, "[]")))
	}
	if len(hs) == 0 {
		hs = []string{"localhost", "127.0.0.1", "::1"}
	}
	return hs
}

// publicOrigin is the origin of PublicURL ("https://voorrang.example.org"),
// or "" when it is not set.
func (e *Edge) publicOrigin() string {
	u, err := url.Parse(e.PublicURL)
	if err != nil || u.Host == "" {
		return ""
	}
	return strings.ToLower(u.Scheme + "://" + u.Host)
}

// exempt are the routes that answer whatever the Host and rate: probes by
// IP address, which reveal nothing.
func exempt(path string) bool { return path == "/healthz" || path == "/readyz" }

// edgeCheck is the first middleware of every request: it refuses a request
// whose length is ambiguous (closing the connection: what follows cannot
// be trusted) or whose Host is not the service's, and sets the headers
// every answer carries.
func (s *Server) edgeCheck(c *fiber.Ctx) error {
	if ambiguousLength(c.Request().Header.RawHeaders()) {
		c.Context().SetConnectionClose()
		return &apiError{Code: "bad_request", Message: "a request may not carry both Content-Length and Transfer-Encoding",
			status: fiber.StatusBadRequest}
	}
	s.headers(c)
	if !exempt(c.Path()) && !s.hostAllowed(string(c.Request().Host())) {
		return &apiError{Code: "misdirected", Message: "this service is not served under that host name",
			status: fiber.StatusMisdirectedRequest}
	}
	return c.Next()
}

// ambiguousLength reports whether raw request headers carry both
// Content-Length and Transfer-Encoding: a proxy in front may frame the body
// by the one and this server by the other (request smuggling).
func ambiguousLength(raw []byte) bool {
	var cl, te bool
	for line := range bytes.SplitSeq(raw, []byte("\n")) {
		name, _, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			continue
		}
		name = bytes.TrimSpace(name)
		cl = cl || bytes.EqualFold(name, []byte("Content-Length"))
		te = te || bytes.EqualFold(name, []byte("Transfer-Encoding"))
	}
	return cl && te
}

func (s *Server) hostAllowed(host string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.ToLower(strings.Trim(host, "[]"))
	return slices.Contains(s.hosts, host)
}

// headers sets what every answer carries: no sniffing, no referrer, no
// framing but by the configured ancestors, no caching (routes that serve
// what may be cached say so), HSTS over HTTPS, and for anything not the
// panel's page a CSP that allows nothing.
func (s *Server) headers(c *fiber.Ctx) {
	c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	c.Set(fiber.HeaderReferrerPolicy, "no-referrer")
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set(fiber.HeaderContentSecurityPolicy, "default-src 'none'; frame-ancestors "+s.frameAncestors)
	if s.frameAncestors == "'self'" {
		c.Set(fiber.HeaderXFrameOptions, "SAMEORIGIN")
	}
	if s.edge.Secure {
		c.Set(fiber.HeaderStrictTransportSecurity, "max-age=31536000")
	}
}

// jsonOnly refuses a state-changing request whose body is not JSON: a
// form of another site cannot send JSON, and a body nobody reads as what
// it says it is, is not read at all.
func jsonOnly(c *fiber.Ctx) error {
	switch c.Method() {
	case fiber.MethodGet, fiber.MethodHead, fiber.MethodOptions:
		return c.Next()
	}
	mt, _, err := mime.ParseMediaType(string(c.Request().Header.ContentType()))
	if err != nil || !(mt == fiber.MIMEApplicationJSON || strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json")) {
		return &apiError{Code: "unsupported_media_type", Message: "send the body as Content-Type: application/json",
			status: fiber.StatusUnsupportedMediaType}
	}
	return c.Next()
}

// clientIP is the address of the client: the peer's, or when the peer is a
// trusted proxy, the last address in X-Forwarded-For that is not one.
func (s *Server) clientIP(c *fiber.Ctx) string {
	peer, _ := netip.AddrFromSlice(c.Context().RemoteIP())
	peer = peer.Unmap()
	if !s.trusted(peer) {
		return peer.String()
	}
	hops := strings.Split(string(c.Request().Header.Peek(fiber.HeaderXForwardedFor)), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break
		}
		if a = a.Unmap(); !s.trusted(a) {
			return a.String()
		}
	}
	return peer.String()
}

// clientKey is what the limits of a client address count by: the address
// (clientIP), or of an IPv6 client its /64 network.
func (s *Server) clientKey(c *fiber.Ctx) string {
	ip := s.clientIP(c)
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	return sourceOf(a).String()
}

// sourceOf returns the source an address counts as: itself, or an IPv6
// address's /64 network (its first address). A host is given a whole /64
// and may take any address in it: counted one by one, a single host could
// try 2^64 times as many passwords as the limit allows.
func sourceOf(a netip.Addr) netip.Addr {
	if a.Is6() && !a.Is4In6() {
		p, _ := a.Prefix(64)
		return p.Addr()
	}
	return a
}

func (s *Server) trusted(a netip.Addr) bool {
	return slices.ContainsFunc(s.edge.TrustedProxies, func(p netip.Prefix) bool { return p.Contains(a) })
}

// rateLimit returns the middleware that allows each client address max
// requests a minute (sliding window), answering 429 beyond.
func (s *Server) rateLimit(max int, skip func(*fiber.Ctx) bool) fiber.Handler {
	if max < 0 {
		return func(c *fiber.Ctx) error { return c.Next() }
	}
	return limiter.New(limiter.Config{
		Max:               max,
		Expiration:        time.Minute,
		LimiterMiddleware: limiter.SlidingWindow{},
		KeyGenerator:      s.clientKey,
		Next:              skip,
		LimitReached: func(c *fiber.Ctx) error {
			return &apiError{Code: "too_many_requests", Message: "too many requests from this address; wait a minute",
				status: fiber.StatusTooManyRequests}
		},
	})
}

// frameAncestorsOf returns the CSP frame-ancestors source list.
func frameAncestorsOf(origins []string) string {
	parts := []string{"'self'"}
	for _, o := range origins {
		if o = strings.TrimSpace(strings.TrimSuffix(o, "/")); o != "" && o != "'self'" {
			parts = append(parts, o)
		}
	}
	return strings.Join(parts, " ")
}

package main

import (
	"crypto/tls"
	"crypto/x509"
	"flag"
	"fmt"
	"net/netip"
	"os"

	"github.com/voorrang/voorrang/hl7/mllp"
)

// mllpEdge holds the flags that guard the MLLP port: who may connect, how
// many connections, and client certificates.
type mllpEdge struct {
	allow        string
	maxConns     int
	maxPerSource int
	clientCA     string
}

func (e *mllpEdge) register(fs *flag.FlagSet) {
	fs.StringVar(&e.allow, "mllp-allow", "", "networks (CIDR) or addresses that may connect to MLLP, comma-separated, e.g. 10.20.0.0/16,192.168.5.12; empty: any")
	fs.IntVar(&e.maxConns, "mllp-max-conns", mllp.DefaultMaxConns, "MLLP connections open at once, in total")
	fs.IntVar(&e.maxPerSource, "mllp-max-conns-per-source", mllp.DefaultMaxConnsPerSource, "MLLP connections open at once from one address")
	fs.StringVar(&e.clientCA, "mllp-tls-client-ca", "", "PEM file of the CA(s) whose client certificates MLLP requires (mutual TLS; needs --mllp-tls-cert)")
}

// sources parses --mllp-allow.
func (e *mllpEdge) sources() ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range splitList(e.allow) {
		p, err := parsePrefix(f)
		if err != nil {
			return nil, fmt.Errorf("--mllp-allow: %w", err)
		}
		out = append(out, p)
	}
	return out, nil
}

// tlsConfig returns the MLLP TLS configuration, or nil for plain TCP.
func (e *mllpEdge) tlsConfig(certFile, keyFile string) (*tls.Config, error) {
	if certFile == "" && keyFile == "" {
		if e.clientCA != "" {
			return nil, fmt.Errorf("--mllp-tls-client-ca needs --mllp-tls-cert and --mllp-tls-key")
		}
		return nil, nil
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("MLLP TLS: %w", err)
	}
	cfg := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	if e.clientCA != "" {
		pool, err := certPool(e.clientCA)
		if err != nil {
			return nil, fmt.Errorf("--mllp-tls-client-ca: %w", err)
		}
		cfg.ClientCAs = pool
		cfg.ClientAuth = tls.RequireAndVerifyClientCert
	}
	return cfg, nil
}

// certPool reads the certificates of a PEM file.
func certPool(name string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("%s: no certificate found", name)
	}
	return pool, nil
}

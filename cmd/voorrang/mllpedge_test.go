package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestMLLPAllowParse(t *testing.T) {
	tests := []struct {
		in      string
		want    string
		wantErr bool
	}{
		{"", "", false},
		{"10.20.0.0/16, 192.168.5.12", "10.20.0.0/16 192.168.5.12/32", false},
		{"10.20.3.4/16", "10.20.0.0/16", false},
		{"::ffff:10.1.2.3", "10.1.2.3/32", false},
		{"fd00::/8", "fd00::/8", false},
		{"10.20.0.0/33", "", true},
		{"pacs.example.org", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := (&mllpEdge{allow: tt.in}).sources()
			if (err != nil) != tt.wantErr {
				t.Fatalf("sources(%q) error %v, want error %v", tt.in, err, tt.wantErr)
			}
			var s []string
			for _, p := range got {
				s = append(s, p.String())
			}
			if strings.Join(s, " ") != tt.want {
				t.Errorf("sources(%q) = %v, want %s", tt.in, s, tt.want)
			}
		})
	}
}

// pkiFiles writes a CA, a server certificate for 127.0.0.1 and a client
// certificate, signed by the CA, as PEM files in dir.
func pkiFiles(t *testing.T, dir, prefix string) (ca, serverCert, serverKey, clientCert, clientKey string) {
	t.Helper()
	write := func(name, typ string, der []byte) string {
		p := filepath.Join(dir, prefix+name)
		if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: prefix + " CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, _ := x509.ParseCertificate(caDER)
	leaf := func(serial int64, cn string, usage x509.ExtKeyUsage) (string, string) {
		key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: cn},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
			IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
			KeyUsage:    x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{usage}}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		kder, _ := x509.MarshalECPrivateKey(key)
		return write(cn+".crt", "CERTIFICATE", der), write(cn+".key", "EC PRIVATE KEY", kder)
	}
	ca = write("ca.crt", "CERTIFICATE", caDER)
	serverCert, serverKey = leaf(2, "voorrang", x509.ExtKeyUsageServerAuth)
	clientCert, clientKey = leaf(3, "engine", x509.ExtKeyUsageClientAuth)
	return
}

// TestServeMutualTLS runs serve with --mllp-tls-client-ca and sends with
// voorrang send: with the client certificate the message is acknowledged,
// without it or with one of another CA it is not.
func TestServeMutualTLS(t *testing.T) {
	dir := t.TempDir()
	ca, crt, key, clientCrt, clientKey := pkiFiles(t, dir, "hospital-")
	_, _, _, otherCrt, otherKey := pkiFiles(t, dir, "other-")
	srv := startService(t, func(c *serveConfig) {
		c.tlsCert, c.tlsKey, c.mllpEdge.clientCA = crt, key, ca
	})
	msg := filepath.Join("..", "..", "testdata", "hl7", "zhwest_orm_nw_mr_brain.hl7")
	addr := srv.mllpLn.Addr().String()
	tests := []struct {
		name string
		args []string
		ok   bool
	}{
		{"client certificate", []string{"--tls-cert", clientCrt, "--tls-key", clientKey}, true},
		{"no client certificate", nil, false},
		{"certificate of another CA", []string{"--tls-cert", otherCrt, "--tls-key", otherKey}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			args := append([]string{"--to", addr, "--tls-ca", ca, "--timeout", "5s"}, tt.args...)
			err := runSend(context.Background(), append(args, msg), func(string) string { return "" }, &out, &out)
			if ok := err == nil && strings.Contains(out.String(), "1 sent, 0 not accepted"); ok != tt.ok {
				t.Errorf("accepted %v, want %v: %v\n%s", ok, tt.ok, err, out.String())
			}
		})
	}
}

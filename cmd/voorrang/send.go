package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/voorrang/voorrang/hl7"
	"github.com/voorrang/voorrang/hl7/mllp"
)

// runSend sends the messages of HL7 files over MLLP and prints one line
// per message with its ACK. It fails when any message got no ACK or one
// that is not AA or CA.
func runSend(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("voorrang send", stderr)
	to := fs.String("to", "localhost:2575", "receiver host:port")
	timeout := fs.Duration("timeout", mllp.DefaultTimeout, "how long to wait for each ACK")
	useTLS := fs.Bool("tls", false, "connect with TLS")
	caFile := fs.String("tls-ca", "", "PEM file of the CA that signed the receiver's certificate (default: system roots)")
	certFile := fs.String("tls-cert", "", "PEM certificate file: this client's certificate, for a receiver that asks for one (mutual TLS)")
	keyFile := fs.String("tls-key", "", "PEM private key file of --tls-cert")
	var lf logFlags
	lf.register(fs)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: voorrang send [--to HOST:PORT] FILE...")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args, func(k string) string {
		if k == "VOORRANG_TO" {
			return getenv("VOORRANG_SEND_TO")
		}
		return getenv(k)
	}); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return errUsage
	}
	log, err := lf.logger(stderr)
	if err != nil {
		return err
	}
	c := &mllp.Client{Addr: *to, Timeout: *timeout, Logger: log}
	if *useTLS || *caFile != "" || *certFile != "" {
		c.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12}
		if *certFile != "" || *keyFile != "" {
			cert, err := tls.LoadX509KeyPair(*certFile, *keyFile)
			if err != nil {
				return fmt.Errorf("--tls-cert: %w", err)
			}
			c.TLSConfig.Certificates = []tls.Certificate{cert}
		}
		if *caFile != "" {
			pem, err := os.ReadFile(*caFile)
			if err != nil {
				return err
			}
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(pem) {
				return fmt.Errorf("--tls-ca %s: no certificate found", *caFile)
			}
			c.TLSConfig.RootCAs = pool
		}
	}
	defer c.Close()
	if err := c.Dial(ctx); err != nil {
		return err
	}
	var sent, failed int
	for _, name := range fs.Args() {
		data, err := os.ReadFile(name)
		if err != nil {
			return err
		}
		for i, msg := range hl7.Split(data) {
			sent++
			label := fmt.Sprintf("%s#%d", filepath.Base(name), i+1)
			if !sendOne(ctx, c, label, msg, stdout) {
				failed++
			}
			if ctx.Err() != nil {
				return ctx.Err()
			}
		}
	}
	fmt.Fprintf(stdout, "%d sent, %d not accepted\n", sent, failed)
	if failed > 0 {
		return fmt.Errorf("%d of %d messages not accepted", failed, sent)
	}
	return nil
}

// sendOne sends one message and prints its outcome; it reports whether the
// receiver accepted it.
func sendOne(ctx context.Context, c *mllp.Client, label string, msg []byte, stdout io.Writer) bool {
	ctrl := "?"
	if m, err := hl7.Parse(msg); err == nil {
		ctrl = m.ControlID()
	}
	start := time.Now()
	raw, err := c.Send(ctx, msg)
	elapsed := time.Since(start).Round(time.Microsecond)
	if err != nil {
		reason := "not sent"
		var ce *mllp.ConnError
		switch {
		case errors.Is(err, mllp.ErrNoACK):
			reason = "no ACK"
		case errors.As(err, &ce):
			reason = "connection failed"
		}
		fmt.Fprintf(stdout, "%s\t%s\t%s\t%v\n", label, ctrl, reason, err)
		return false
	}
	ack, err := hl7.Parse(raw)
	if err != nil {
		fmt.Fprintf(stdout, "%s\t%s\tbad ACK\t%v\n", label, ctrl, err)
		return false
	}
	code := ack.Get("MSA-1")
	text := ack.Get("MSA-3")
	if e := ack.Get("ERR-8"); e != "" {
		text = e
	} else if e := ack.Get("ERR-1.4.2"); e != "" && text == "" {
		text = e
	}
	fmt.Fprintf(stdout, "%s\t%s\t%s\t%s\t%s\n", label, ctrl, code, elapsed, text)
	if ack.Get("MSA-2") != ctrl && ctrl != "?" {
		fmt.Fprintf(stdout, "%s\t%s\tACK answers %q, not this message\n", label, ctrl, ack.Get("MSA-2"))
		return false
	}
	return code == "AA" || code == "CA"
}

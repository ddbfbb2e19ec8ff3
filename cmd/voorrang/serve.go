package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"time"

	"github.com/voorrang/voorrang/hl7/mllp"
	"github.com/voorrang/voorrang/ingest"
	"github.com/voorrang/voorrang/ui"
)

// serveConfig holds the options of the serve command.
type serveConfig struct {
	httpAddr        string
	mllpAddr        string
	maxMessageSize  int
	mllpIdle        time.Duration
	tlsCert, tlsKey string
	shutdownTimeout time.Duration
	log             logFlags
}

func (c *serveConfig) register(fs *flag.FlagSet) {
	fs.StringVar(&c.httpAddr, "http", ":8080", "HTTP listen address (panel, API, /healthz)")
	fs.StringVar(&c.mllpAddr, "mllp", ":2575", "MLLP listen address for HL7 v2 feeds")
	fs.IntVar(&c.maxMessageSize, "max-message-size", mllp.DefaultMaxSize, "largest HL7 message accepted, in bytes (reports may embed PDFs)")
	fs.DurationVar(&c.mllpIdle, "mllp-idle-timeout", mllp.DefaultIdleTimeout, "how long an idle MLLP connection is kept open")
	fs.StringVar(&c.tlsCert, "mllp-tls-cert", "", "PEM certificate file: serve MLLP over TLS")
	fs.StringVar(&c.tlsKey, "mllp-tls-key", "", "PEM private key file for --mllp-tls-cert")
	fs.DurationVar(&c.shutdownTimeout, "shutdown-timeout", 20*time.Second, "how long a graceful shutdown may take")
	c.log.register(fs)
}

func runServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var cfg serveConfig
	fs := newFlagSet("voorrang serve", stderr)
	cfg.register(fs)
	if err := parseFlags(fs, args, getenv); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("serve: unexpected argument %q", fs.Arg(0))
	}
	log, err := cfg.log.logger(stderr)
	if err != nil {
		return err
	}
	srv, err := newService(cfg, log)
	if err != nil {
		return err
	}
	return srv.run(ctx)
}

// service is the running Voorrang: its listeners and servers.
type service struct {
	cfg      serveConfig
	log      *slog.Logger
	mllpLn   net.Listener
	httpLn   net.Listener
	mllp     *mllp.Server
	http     *ui.Server
	shutdown time.Duration
}

// newService opens the listeners, so that a caller (or a test using port
// 0) knows the addresses before run.
func newService(cfg serveConfig, log *slog.Logger) (*service, error) {
	var tlsConfig *tls.Config
	if cfg.tlsCert != "" || cfg.tlsKey != "" {
		cert, err := tls.LoadX509KeyPair(cfg.tlsCert, cfg.tlsKey)
		if err != nil {
			return nil, fmt.Errorf("MLLP TLS: %w", err)
		}
		tlsConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	mllpLn, err := net.Listen("tcp", cfg.mllpAddr)
	if err != nil {
		return nil, fmt.Errorf("MLLP: %w", err)
	}
	httpLn, err := net.Listen("tcp", cfg.httpAddr)
	if err != nil {
		mllpLn.Close()
		return nil, fmt.Errorf("HTTP: %w", err)
	}
	s := &service{cfg: cfg, log: log, mllpLn: mllpLn, httpLn: httpLn, shutdown: cfg.shutdownTimeout}
	s.mllp = &mllp.Server{
		Handler:     &ingest.Handler{Application: "VOORRANG", Logger: log},
		TLSConfig:   tlsConfig,
		MaxSize:     cfg.maxMessageSize,
		IdleTimeout: cfg.mllpIdle,
		Logger:      log,
	}
	s.http = ui.New(ui.Config{Logger: log, Version: version})
	return s, nil
}

// run serves until ctx is cancelled, then shuts down gracefully: it stops
// accepting, lets MLLP connections finish the message in hand and write
// its ACK, and waits for HTTP requests in flight.
func (s *service) run(ctx context.Context) error {
	s.log.Info("voorrang: serving", "version", version,
		"http", s.httpLn.Addr().String(), "mllp", s.mllpLn.Addr().String())
	errc := make(chan error, 2)
	go func() {
		err := s.mllp.Serve(context.WithoutCancel(ctx), s.mllpLn)
		if errors.Is(err, mllp.ErrServerClosed) {
			err = nil
		}
		errc <- err
	}()
	go func() { errc <- s.http.Serve(s.httpLn) }()

	var err error
	select {
	case <-ctx.Done():
		s.log.Info("voorrang: shutting down")
	case err = <-errc:
		s.log.Error("voorrang: server stopped", "err", err)
	}
	sctx, cancel := context.WithTimeout(context.Background(), s.shutdown)
	defer cancel()
	if e := s.mllp.Shutdown(sctx); e != nil {
		s.log.Warn("voorrang: MLLP shutdown", "err", e)
	}
	if e := s.http.Shutdown(sctx); e != nil {
		s.log.Warn("voorrang: HTTP shutdown", "err", e)
	}
	s.log.Info("voorrang: stopped")
	return err
}

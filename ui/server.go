// Package ui is Voorrang's HTTP side: the JSON API, the websocket hub and
// the browser panel. It is the only package that knows the web framework.
package ui

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"time"

	"github.com/gofiber/fiber/v2"
)

// A Server serves Voorrang over HTTP.
type Server struct {
	app    *fiber.App
	logger *slog.Logger
}

// Config holds what the HTTP side needs from the rest of the service.
type Config struct {
	Logger *slog.Logger
	// Version is reported by /healthz.
	Version string
	// BodyLimit is the largest request body accepted; zero means 1 MiB.
	BodyLimit int
}

// New returns a Server with its routes.
func New(cfg Config) *Server {
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	limit := cfg.BodyLimit
	if limit == 0 {
		limit = 1 << 20
	}
	s := &Server{logger: log}
	s.app = fiber.New(fiber.Config{
		AppName:               "voorrang",
		DisableStartupMessage: true,
		BodyLimit:             limit,
		ReadTimeout:           30 * time.Second,
		WriteTimeout:          30 * time.Second,
		IdleTimeout:           2 * time.Minute,
		ErrorHandler:          s.handleError,
	})
	s.app.Get("/healthz", func(c *fiber.Ctx) error {
		return c.JSON(fiber.Map{"status": "ok", "version": cfg.Version})
	})
	return s
}

// Serve serves HTTP on l until Shutdown.
func (s *Server) Serve(l net.Listener) error {
	return s.app.Listener(l)
}

// Shutdown stops accepting requests and waits for those in flight, until
// ctx ends.
func (s *Server) Shutdown(ctx context.Context) error {
	return s.app.ShutdownWithContext(ctx)
}

// handleError turns an error into a JSON answer with a stable code and a
// message that holds no internals.
func (s *Server) handleError(c *fiber.Ctx, err error) error {
	status := fiber.StatusInternalServerError
	code, msg := "internal", "internal error"
	var fe *fiber.Error
	if errors.As(err, &fe) {
		status = fe.Code
		code, msg = "http", fe.Message
	} else {
		s.logger.Error("http: request failed", "method", c.Method(), "route", c.Route().Path, "err", err)
	}
	return c.Status(status).JSON(fiber.Map{"error": fiber.Map{"code": code, "message": msg}})
}

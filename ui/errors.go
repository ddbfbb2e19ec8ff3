package ui

import (
	"errors"
	"log/slog"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"github.com/voorrang/voorrang/ingest"
	"github.com/voorrang/voorrang/worklist"
)

// An apiError is what a client sees of a failure: a stable code, a human
// message and, for invalid input, the field at fault.
type apiError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
	status  int
}

func (e *apiError) Error() string { return e.Message }

func invalid(field, msg string) *apiError {
	return &apiError{Code: "invalid", Message: msg, Field: field, status: fiber.StatusBadRequest}
}

// statusOf maps an error to its HTTP status and the body the client gets.
// Internal errors are logged and reported without their text, which may
// hold internals.
func statusOf(err error, log *slog.Logger, route string) (int, apiError) {
	var ae *apiError
	var in *ingest.FieldError
	var fe *fiber.Error
	switch {
	case errors.As(err, &ae):
		return ae.status, *ae
	case errors.As(err, &in):
		return fiber.StatusBadRequest, apiError{Code: "invalid", Message: in.Message, Field: in.Field}
	case errors.Is(err, worklist.ErrInvalid):
		return fiber.StatusBadRequest, apiError{Code: "invalid", Message: err.Error()}
	case errors.Is(err, worklist.ErrNotFound):
		return fiber.StatusNotFound, apiError{Code: "not_found", Message: err.Error()}
	case errors.Is(err, worklist.ErrConflict):
		return fiber.StatusConflict, apiError{Code: "conflict", Message: err.Error()}
	case errors.As(err, &fe):
		code := "http"
		switch fe.Code {
		case fiber.StatusNotFound:
			code = "not_found"
		case fiber.StatusRequestEntityTooLarge:
			code = "too_large"
		case fiber.StatusMethodNotAllowed:
			code = "method_not_allowed"
		}
		// Not fe.Message: Fiber's "Cannot GET /path" echoes the path,
		// which may hold an accession number.
		return fe.Code, apiError{Code: code, Message: strings.ToLower(utils.StatusMessage(fe.Code))}
	}
	log.Error("http: request failed", "route", route, "err", err)
	return fiber.StatusInternalServerError, apiError{Code: "internal", Message: "internal error; see the service log"}
}

package ingest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/voorrang/voorrang/worklist"
)

// A FieldError is outside input refused: it names the field at fault
// (empty when the input as a whole is wrong) and says what is wrong in
// words a client may be shown. It holds no patient data. errors.Is
// reports it as worklist.ErrInvalid.
type FieldError struct {
	Field   string
	Message string
}

func (e *FieldError) Error() string { return e.Message }

// Unwrap makes a FieldError a worklist.ErrInvalid.
func (e *FieldError) Unwrap() error { return worklist.ErrInvalid }

func invalid(field, msg string) *FieldError { return &FieldError{Field: field, Message: msg} }

// DecodeJSON decodes body, one JSON object, into v strictly: unknown
// fields and anything after the object are refused, and every error is a
// *FieldError that names the field.
func DecodeJSON(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return invalid("", "the body must hold one JSON object and nothing after it")
	}
	return nil
}

// jsonError names the field of a JSON decoding error.
func jsonError(err error) error {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te):
		field := te.Field
		return invalid(field, fmt.Sprintf("%s must be %s, not %s", field, kindName(te.Type.Kind().String()), te.Value))
	case errors.As(err, &se):
		return invalid("", fmt.Sprintf("the body is not valid JSON (at byte %d)", se.Offset))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return invalid(field, fmt.Sprintf("unknown field %q", field))
	case errors.Is(err, io.EOF):
		return invalid("", "the body is empty; send a JSON object")
	}
	return invalid("", "the body is not valid JSON: "+err.Error())
}

func kindName(k string) string {
	switch k {
	case "bool":
		return "true or false"
	case "float64", "int":
		return "a number"
	case "slice":
		return "a list"
	case "ptr", "struct":
		return "an object"
	}
	return "a " + k
}

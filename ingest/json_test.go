package ingest

import (
	"errors"
	"strings"
	"testing"

	"github.com/voorrang/voorrang/worklist"
)

func TestDecodeJSON(t *testing.T) {
	tests := []struct {
		name        string
		body        string
		wantErr     bool
		wantField   string
		wantMessage string // a part of the message
	}{
		{name: "one object", body: `{"by":"jansen","override":true}`},
		{name: "whitespace after", body: "{\"by\":\"jansen\"}\n\t "},
		{name: "empty", body: ``, wantErr: true, wantMessage: "the body is empty"},
		{name: "only whitespace", body: " \n", wantErr: true, wantMessage: "the body is empty"},
		{name: "not JSON", body: `by=jansen`, wantErr: true, wantMessage: "not valid JSON (at byte 1)"},
		{name: "cut off", body: `{"by":`, wantErr: true, wantMessage: "the body is not valid JSON: unexpected EOF"},
		{name: "two objects", body: `{"by":"a"}{"by":"b"}`, wantErr: true, wantMessage: "one JSON object and nothing after it"},
		{name: "text after", body: `{"by":"a"} x`, wantErr: true, wantMessage: "one JSON object and nothing after it"},
		{name: "unknown field", body: `{"by":"a","force":true}`, wantErr: true, wantField: "force", wantMessage: `unknown field "force"`},
		{name: "wrong type", body: `{"by":"a","override":"yes"}`, wantErr: true, wantField: "override", wantMessage: "override must be true or false, not string"},
		{name: "number for a string", body: `{"by":7}`, wantErr: true, wantField: "by", wantMessage: "by must be a string, not number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b struct {
				By       string `json:"by"`
				Override bool   `json:"override"`
			}
			err := DecodeJSON([]byte(tt.body), &b)
			if !tt.wantErr {
				if err != nil {
					t.Errorf("DecodeJSON(%q) = %v, want no error", tt.body, err)
				}
				return
			}
			var fe *FieldError
			if !errors.As(err, &fe) || !errors.Is(err, worklist.ErrInvalid) {
				t.Fatalf("DecodeJSON(%q) = %v, want a *FieldError", tt.body, err)
			}
			if fe.Field != tt.wantField || !strings.Contains(fe.Message, tt.wantMessage) {
				t.Errorf("DecodeJSON(%q) = field %q message %q\nwant field %q, message with %q",
					tt.body, fe.Field, fe.Message, tt.wantField, tt.wantMessage)
			}
		})
	}
}

package mllp

import (
	"bytes"
	"errors"
	"net"
	"strings"
	"testing"
)

// writeCounter records each Write call.
type writeCounter struct {
	writes [][]byte
}

func (w *writeCounter) Write(p []byte) (int, error) {
	w.writes = append(w.writes, bytes.Clone(p))
	return len(p), nil
}

func TestWriteMessage(t *testing.T) {
	tests := []struct {
		name    string
		msg     string
		want    string
		wantErr error
	}{
		{name: "message", msg: "MSH|^~\\&|RIS\rPID|1", want: "\x0bMSH|^~\\&|RIS\rPID|1\x1c\r"},
		{name: "empty", msg: "", want: "\x0b\x1c\r"},
		{name: "large", msg: strings.Repeat("x", 1<<20), want: "\x0b" + strings.Repeat("x", 1<<20) + "\x1c\r"},
		{name: "start block inside", msg: "MSH|\x0b", wantErr: ErrFramingByte},
		{name: "end block inside", msg: "MSH|\x1c\r", wantErr: ErrFramingByte},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var w writeCounter
			err := WriteMessage(&w, []byte(tt.msg))
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("WriteMessage error = %v, want %v", err, tt.wantErr)
			}
			if tt.wantErr != nil {
				if len(w.writes) != 0 {
					t.Errorf("WriteMessage wrote %d times after an error, want nothing", len(w.writes))
				}
				return
			}
			if len(w.writes) != 1 {
				t.Fatalf("WriteMessage called Write %d times, want 1", len(w.writes))
			}
			if got := string(w.writes[0]); got != tt.want {
				t.Errorf("WriteMessage wrote %q, want %q", trim(got), trim(tt.want))
			}
		})
	}
}

func TestWriteMessageTCP(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := l.Accept()
		if err != nil {
			t.Error(err)
		}
		accepted <- c
	}()
	out, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	in := <-accepted
	if in == nil {
		t.FailNow()
	}
	defer in.Close()

	msgs := []string{"MSH|1", "", strings.Repeat("OBX|1|ED|", 1<<16)}
	go func() {
		defer out.Close()
		for _, m := range msgs {
			if err := WriteMessage(out, []byte(m)); err != nil {
				t.Errorf("WriteMessage: %v", err)
				return
			}
		}
	}()
	r := NewReader(in)
	for _, want := range msgs {
		got, err := r.ReadMessage()
		if err != nil {
			t.Fatalf("ReadMessage: %v", err)
		}
		if string(got) != want {
			t.Errorf("read %q, want %q", trim(string(got)), trim(want))
		}
	}
}

// trim shortens s for a failure message.
func trim(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}

func BenchmarkWriteMessage(b *testing.B) {
	msg := bytes.Repeat([]byte("x"), 1<<10)
	var w bytes.Buffer
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	for b.Loop() {
		w.Reset()
		if err := WriteMessage(&w, msg); err != nil {
			b.Fatal(err)
		}
	}
}

package mllp

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// frame returns msg framed.
func frame(msg string) string { return "\x0b" + msg + "\x1c\r" }

// result is what one ReadMessage call gave.
type result struct {
	msg string
	err error
}

func (r result) String() string {
	if r.err != nil {
		return fmt.Sprintf("error %v", r.err)
	}
	return fmt.Sprintf("%q", r.msg)
}

// readAll reads messages until the end of the input.
func readAll(t *testing.T, r *Reader) []result {
	t.Helper()
	var got []result
	for range 1000 {
		msg, err := r.ReadMessage()
		if err != nil {
			if !errors.Is(err, ErrTooLarge) && msg != nil {
				t.Errorf("ReadMessage returned %q with error %v", msg, err)
			}
			got = append(got, result{err: err})
			if errors.Is(err, ErrTooLarge) {
				continue
			}
			return got
		}
		if msg == nil {
			t.Errorf("ReadMessage returned a nil message and no error")
		}
		got = append(got, result{msg: string(msg)})
	}
	t.Fatalf("ReadMessage made no progress; read %v", got)
	return nil
}

func sameResults(got, want []result) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if got[i].msg != want[i].msg || !errors.Is(got[i].err, want[i].err) {
			return false
		}
	}
	return true
}

func TestReader(t *testing.T) {
	eof := result{err: io.EOF}
	unexpectedEOF := result{err: io.ErrUnexpectedEOF}
	tooLarge := result{err: ErrTooLarge}
	tests := []struct {
		name      string
		in        string
		maxSize   int
		want      []result
		skipped   int64
		restarts  int64
		missingCR int64
	}{
		{name: "empty input", in: "", want: []result{eof}},
		{name: "one frame", in: frame("MSH|^~\\&|RIS"), want: []result{{msg: "MSH|^~\\&|RIS"}, eof}},
		{
			name: "two frames",
			in:   frame("MSH|1\rPID|1") + frame("MSH|2"),
			want: []result{{msg: "MSH|1\rPID|1"}, {msg: "MSH|2"}, eof},
		},
		{
			name: "line breaks kept inside the message",
			in:   frame("MSH|1\r\nPID|1\n"),
			want: []result{{msg: "MSH|1\r\nPID|1\n"}, eof},
		},
		{name: "empty frame", in: frame(""), want: []result{{msg: ""}, eof}},
		{
			name:    "junk between frames",
			in:      "\r\n" + frame("A") + "\n\n\x00" + frame("B") + "\r\n",
			want:    []result{{msg: "A"}, {msg: "B"}, eof},
			skipped: 7,
		},
		{
			name:    "end block outside a frame is junk",
			in:      "\x1c\r" + frame("A"),
			want:    []result{{msg: "A"}, eof},
			skipped: 2,
		},
		{
			name:      "carriage return missing",
			in:        "\x0bA\x1c\x0bB\x1c",
			want:      []result{{msg: "A"}, {msg: "B"}, eof},
			missingCR: 2,
		},
		{
			name:      "line feed instead of carriage return",
			in:        "\x0bA\x1c\n" + frame("B"),
			want:      []result{{msg: "A"}, {msg: "B"}, eof},
			skipped:   1,
			missingCR: 1,
		},
		{
			name:     "restart inside a frame",
			in:       "\x0bMSH|half" + frame("MSH|whole"),
			want:     []result{{msg: "MSH|whole"}, eof},
			restarts: 1,
		},
		{
			name:     "restart right after the start",
			in:       "\x0b\x0b\x0bA\x1c\r",
			want:     []result{{msg: "A"}, eof},
			restarts: 2,
		},
		{name: "end inside a frame", in: "\x0bMSH|1", want: []result{unexpectedEOF}},
		{name: "end after the start", in: "\x0b", want: []result{unexpectedEOF}},
		{
			name: "end after a frame and a start",
			in:   frame("A") + "\r\x0bMSH",
			want: []result{{msg: "A"}, unexpectedEOF}, skipped: 1,
		},
		{name: "exactly MaxSize", in: frame("abcd"), maxSize: 4, want: []result{{msg: "abcd"}, eof}},
		{
			name:    "larger than MaxSize",
			in:      frame("abcde") + frame("ok"),
			maxSize: 4,
			want:    []result{tooLarge, {msg: "ok"}, eof},
		},
		{
			name:    "larger than MaxSize before a restart",
			in:      "\x0babcdefgh" + frame("ok"),
			maxSize: 4,
			want:    []result{tooLarge, {msg: "ok"}, eof},
		},
		{
			name:     "restart within MaxSize",
			in:       "\x0babcd" + frame("ok"),
			maxSize:  4,
			want:     []result{{msg: "ok"}, eof},
			restarts: 1,
		},
		{
			name:    "larger than MaxSize, cut off",
			in:      "\x0babcdefgh",
			maxSize: 4,
			want:    []result{tooLarge, unexpectedEOF},
		},
		{
			name:      "larger than MaxSize, carriage return missing",
			in:        "\x0babcdefgh\x1c\x0bok\x1c",
			maxSize:   4,
			want:      []result{tooLarge, {msg: "ok"}, eof},
			missingCR: 2,
		},
	}
	readers := []struct {
		name string
		wrap func(io.Reader) io.Reader
	}{
		{"whole", func(r io.Reader) io.Reader { return r }},
		{"one byte", iotest.OneByteReader},
		{"half", iotest.HalfReader},
		{"data with EOF", iotest.DataErrReader},
	}
	for _, tt := range tests {
		for _, rd := range readers {
			t.Run(tt.name+"/"+rd.name, func(t *testing.T) {
				r := NewReader(rd.wrap(strings.NewReader(tt.in)))
				r.MaxSize = tt.maxSize
				if got := readAll(t, r); !sameResults(got, tt.want) {
					t.Errorf("ReadMessage gave %v, want %v", got, tt.want)
				}
				if got := r.Skipped(); got != tt.skipped {
					t.Errorf("Skipped() = %d, want %d", got, tt.skipped)
				}
				if got := r.Restarts(); got != tt.restarts {
					t.Errorf("Restarts() = %d, want %d", got, tt.restarts)
				}
				if got := r.MissingCR(); got != tt.missingCR {
					t.Errorf("MissingCR() = %d, want %d", got, tt.missingCR)
				}
			})
		}
	}
}

func TestReaderOversizeNotBuffered(t *testing.T) {
	// A reader that would give 1 GiB: the Reader must give up after MaxSize
	// bytes, not read the whole frame.
	const maxSize = 1 << 10
	src := &countingReader{r: io.MultiReader(strings.NewReader("\x0b"), infiniteReader('x'))}
	r := NewReader(src)
	r.MaxSize = maxSize
	if _, err := r.ReadMessage(); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("ReadMessage error = %v, want ErrTooLarge", err)
	}
	if limit := int64(maxSize + 2*readBufferSize); src.n > limit {
		t.Errorf("read %d bytes to refuse a frame over %d, want at most %d", src.n, maxSize, limit)
	}
}

func TestReaderMessagesAreFresh(t *testing.T) {
	// Enough frames to refill the buffer many times over.
	var in strings.Builder
	for i := range 2000 {
		in.WriteString(frame(fmt.Sprintf("MSH|%04d", i)))
	}
	r := NewReader(strings.NewReader(in.String()))
	first, err := r.ReadMessage()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := r.ReadMessage(); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
	}
	if got, want := string(first), "MSH|0000"; got != want {
		t.Errorf("first message changed to %q after later reads, want %q", got, want)
	}
}

func FuzzReader(f *testing.F) {
	for _, seed := range []string{
		"",
		frame("MSH|^~\\&|RIS|SITE|VOORRANG|SITE|20240101120000||ORM^O01|1|P|2.5.1\rPID|1"),
		"\r\n" + frame("A") + "\n" + frame("B"),
		"\x0bA\x1c\x0bB\x1c",
		"\x0bhalf\x0b" + frame("whole"),
		"\x0b" + strings.Repeat("x", 100) + "\x1c\r" + frame("ok"),
		"\x0b" + strings.Repeat("y", 100),
		"\x0b\x1c\r\x1c\r\x0b",
		"\x0b\x0b\x0b\x1c\x1c\r\r",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		const maxSize = 64
		r := NewReader(bytes.NewReader(data))
		r.MaxSize = maxSize
		first := readAll(t, r)
		var framed bytes.Buffer
		var want []result
		for _, res := range first {
			if res.err != nil {
				continue
			}
			if len(res.msg) > maxSize {
				t.Fatalf("message of %d bytes passed MaxSize %d", len(res.msg), maxSize)
			}
			if err := WriteMessage(&framed, []byte(res.msg)); err != nil {
				t.Fatalf("WriteMessage(%q): %v", res.msg, err)
			}
			want = append(want, res)
		}
		want = append(want, result{err: io.EOF})

		again := NewReader(bytes.NewReader(framed.Bytes()))
		again.MaxSize = maxSize
		if got := readAll(t, again); !sameResults(got, want) {
			t.Fatalf("read back %v, want %v", got, want)
		}
		if again.Skipped() != 0 || again.Restarts() != 0 || again.MissingCR() != 0 {
			t.Errorf("well-formed frames counted %d skipped, %d restarts, %d missing CR; want none",
				again.Skipped(), again.Restarts(), again.MissingCR())
		}
	})
}

func BenchmarkReadMessage(b *testing.B) {
	for _, size := range []int{1 << 10, 1 << 20} {
		b.Run(fmt.Sprint(size), func(b *testing.B) {
			msg := bytes.Repeat([]byte("OBX|1|ED|PDF^Report||^AP^PDF^Base64^JVBERi0xLjQK\r"), size/48+1)[:size]
			var framed bytes.Buffer
			if err := WriteMessage(&framed, msg); err != nil {
				b.Fatal(err)
			}
			r := NewReader(&cycleReader{data: framed.Bytes()})
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := r.ReadMessage(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// cycleReader gives data over and over.
type cycleReader struct {
	data []byte
	off  int
}

func (c *cycleReader) Read(p []byte) (int, error) {
	n := copy(p, c.data[c.off:])
	c.off = (c.off + n) % len(c.data)
	return n, nil
}

// infiniteReader gives b forever.
type infiniteReader byte

func (b infiniteReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(b)
	}
	return len(p), nil
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

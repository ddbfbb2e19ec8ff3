package mllp

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
)

// The bytes that frame a message.
const (
	startBlock     = 0x0B // vertical tab: starts a frame
	endBlock       = 0x1C // file separator: ends a frame
	carriageReturn = 0x0D // follows endBlock
)

// DefaultMaxSize is the largest message a Reader returns when its MaxSize is
// zero. Reports embed PDFs (base64 in OBX-5), which makes messages of several
// MiB common.
const DefaultMaxSize = 16 << 20

// readBufferSize is the size of a Reader's buffer: one TLS record.
const readBufferSize = 16 << 10

// ErrTooLarge is returned (wrapped) by ReadMessage when a frame holds more
// than MaxSize bytes.
var ErrTooLarge = errors.New("mllp: message too large")

// A Reader reads MLLP frames from an input stream and returns their payloads.
//
// It skips bytes outside frames, ends a frame at 0x1C whether or not 0x0D
// follows, and starts over when 0x0B appears inside a frame; each of these is
// counted. See the package documentation for why.
//
// A Reader is not safe for concurrent use.
type Reader struct {
	// MaxSize is the largest payload ReadMessage returns. Zero or negative
	// means DefaultMaxSize.
	MaxSize int

	br        *bufio.Reader
	skipped   int64
	restarts  int64
	missingCR int64
	afterEnd  bool   // the last frame ended at endBlock; its carriage return is due
	discard   bool   // the rest of an oversize frame is still to be skipped
	onFrame   func() // called when a frame starts (not at a restart); the Server moves its deadline
}

// NewReader returns a Reader reading from r.
func NewReader(r io.Reader) *Reader {
	return &Reader{br: bufio.NewReaderSize(r, readBufferSize)}
}

// Skipped reports how many bytes outside frames were skipped so far: line
// breaks between frames, keep-alive bytes, anything before a 0x0B.
func (r *Reader) Skipped() int64 { return r.skipped }

// Restarts reports how many partial frames were dropped because a 0x0B
// arrived before their 0x1C.
func (r *Reader) Restarts() int64 { return r.restarts }

// MissingCR reports how many frames ended with a 0x1C that was not followed
// by 0x0D.
func (r *Reader) MissingCR() int64 { return r.missingCR }

// ReadMessage returns the payload of the next frame: the bytes between 0x0B
// and 0x1C. The slice is newly allocated; the caller may keep it.
//
// At the end of the input between frames it returns io.EOF; inside a frame,
// io.ErrUnexpectedEOF. A frame larger than MaxSize gives an error wrapping
// ErrTooLarge after reading at most MaxSize bytes of it; the next call skips
// the rest of that frame without keeping it. Errors from the underlying
// reader are returned as they are; after one, the position in the stream is
// lost and the connection should be closed.
func (r *Reader) ReadMessage() ([]byte, error) {
	if r.discard {
		if err := r.skipFrame(); err != nil {
			return nil, err
		}
	}
	if err := r.findStart(); err != nil {
		return nil, err
	}
	return r.readPayload()
}

// findStart consumes bytes up to and including the next startBlock.
func (r *Reader) findStart() error {
	for {
		b, err := r.br.ReadByte()
		if err != nil {
			if err == io.EOF && r.afterEnd {
				r.afterEnd = false
				r.missingCR++
			}
			return err
		}
		if r.afterEnd {
			r.afterEnd = false
			if b == carriageReturn {
				continue
			}
			r.missingCR++
		}
		if b == startBlock {
			r.frameStarted()
			return nil
		}
		r.skipped++
	}
}

// readPayload reads the rest of a frame whose startBlock was consumed.
func (r *Reader) readPayload() ([]byte, error) {
	maxSize := r.maxSize()
	var msg []byte
	for {
		buf, err := r.buffered()
		if err != nil {
			return nil, err
		}
		i := indexFraming(buf)
		chunk := buf
		if i >= 0 {
			chunk = buf[:i]
		}
		// Checked before a restart is taken, so the outcome does not depend
		// on how the input was split into reads.
		if len(msg)+len(chunk) > maxSize {
			r.br.Discard(len(chunk))
			r.discard = true
			return nil, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, maxSize)
		}
		switch {
		case i < 0:
			msg = append(msg, chunk...)
			r.br.Discard(len(chunk))
		case buf[i] == startBlock:
			// The sender gave up on the frame and started another.
			// It gets no more time than the frame it replaces: a sender
			// that restarts frames for ever must not hold the connection.
			r.restarts++
			msg = msg[:0]
			r.br.Discard(i + 1)
		default:
			if msg == nil {
				msg = make([]byte, 0, len(chunk))
			}
			msg = append(msg, chunk...)
			r.br.Discard(i + 1)
			r.afterEnd = true
			return msg, nil
		}
	}
}

// skipFrame drops the rest of an oversize frame: up to and including its
// endBlock, or up to a startBlock, which begins the next frame.
func (r *Reader) skipFrame() error {
	for {
		buf, err := r.buffered()
		if err != nil {
			return err
		}
		i := indexFraming(buf)
		if i < 0 {
			r.br.Discard(len(buf))
			continue
		}
		r.discard = false
		if buf[i] == startBlock {
			r.br.Discard(i)
			return nil
		}
		r.br.Discard(i + 1)
		r.afterEnd = true
		return nil
	}
}

// buffered returns the buffered bytes, reading more when there are none. It
// is called inside a frame, so the end of the input is unexpected.
func (r *Reader) buffered() ([]byte, error) {
	if _, err := r.br.Peek(1); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	return r.br.Peek(r.br.Buffered())
}

func (r *Reader) frameStarted() {
	if r.onFrame != nil {
		r.onFrame()
	}
}

func (r *Reader) maxSize() int {
	if r.MaxSize <= 0 {
		return DefaultMaxSize
	}
	return r.MaxSize
}

// indexFraming returns the index of the first startBlock or endBlock in b, or
// -1.
func indexFraming(b []byte) int {
	end := bytes.IndexByte(b, endBlock)
	head := b
	if end >= 0 {
		head = b[:end]
	}
	if start := bytes.IndexByte(head, startBlock); start >= 0 {
		return start
	}
	return end
}

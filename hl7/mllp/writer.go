package mllp

import (
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
)

// ErrFramingByte is returned (wrapped) when a message to be written holds
// 0x0B or 0x1C, which would break its frame at the receiver. HL7 text never
// holds them; binary content such as a PDF travels base64 encoded.
var ErrFramingByte = errors.New("mllp: framing byte in message")

var (
	frameStart = []byte{startBlock}
	frameEnd   = []byte{endBlock, carriageReturn}
)

// maxPooledFrame is the largest buffer WriteMessage keeps for reuse, so one
// large report does not pin megabytes for the life of the process.
const maxPooledFrame = 64 << 10

// framePool holds buffers for frames written to writers that cannot gather
// (TLS connections, buffers). It is shared, stateless scratch space, as in fmt.
var framePool = sync.Pool{
	New: func() any {
		b := make([]byte, 0, 4<<10)
		return &b
	},
}

// WriteMessage writes msg to w as one frame, 0x0B msg 0x1C 0x0D, in a single
// Write call (a single writev on a TCP or Unix connection, without copying
// msg), so a TLS connection sends it in as few records as it can and a
// receiver never sees a frame torn across writes of ours.
//
// It writes nothing and returns an error wrapping ErrFramingByte if msg holds
// 0x0B or 0x1C. Errors from w are returned as they are.
func WriteMessage(w io.Writer, msg []byte) error {
	if err := checkPayload(msg); err != nil {
		return err
	}
	return writeFrame(w, msg)
}

// writeFrame writes msg, already checked, as one frame.
func writeFrame(w io.Writer, msg []byte) error {
	switch w.(type) {
	case *net.TCPConn, *net.UnixConn:
		bufs := net.Buffers{frameStart, msg, frameEnd}
		_, err := bufs.WriteTo(w)
		return err
	}
	bp := framePool.Get().(*[]byte)
	b := append((*bp)[:0], startBlock)
	b = append(b, msg...)
	b = append(b, endBlock, carriageReturn)
	_, err := w.Write(b)
	if cap(b) <= maxPooledFrame {
		*bp = b
		framePool.Put(bp)
	}
	return err
}

// checkPayload reports an error if msg holds a framing byte.
func checkPayload(msg []byte) error {
	if i := indexFraming(msg); i >= 0 {
		return fmt.Errorf("%w: byte %d is %#02x", ErrFramingByte, i, msg[i])
	}
	return nil
}

// Package mllp carries HL7 version 2 messages over TCP with the Minimal Lower
// Layer Protocol: each message travels in a frame
//
//	0x0B <message bytes> 0x1C 0x0D
//
// and the receiver answers each frame with one frame holding the ACK. The
// package knows frames, connections and timeouts, not HL7: it never looks
// inside a message, so the grammar never sees framing bytes and this package
// never needs the parser.
//
// Reader reads frames from a stream and WriteMessage writes one. Server
// accepts connections and hands each message to a Handler, which returns the
// ACK to send; Client is the sending side, used by "voorrang send".
//
// # Tolerances
//
// Interface engines bend the framing in well-known ways. Refusing them would
// stop a hospital's feed, so the Reader accepts each one and counts it, and
// the Server exports the counts (Stats) so an integration engineer can see
// and fix the sender:
//
//   - Bytes outside frames are skipped: the CR or LF many engines put after
//     0x1C 0x0D, keep-alive bytes, anything before a 0x0B.
//   - A frame ends at 0x1C even when no 0x0D follows. 0x1C cannot occur in
//     HL7 text (binary content such as a PDF is sent base64 encoded), so it
//     cannot be data, and waiting for a 0x0D that never comes would stall
//     the connection. The 0x0D is not even waited for: the message is handed
//     on at 0x1C and the 0x0D is consumed before the next frame.
//   - A 0x0B inside a frame starts a new frame: the sender restarted, after
//     a timeout or a reconnect of its own, and will send the whole message
//     again. The partial frame is dropped.
//   - An empty frame is returned by the Reader, but the Server skips it:
//     there is no message to acknowledge.
//
// # Limits
//
// A message may hold up to 16 MiB (DefaultMaxSize, configurable), since
// reports embed PDFs. A larger frame is refused after reading at most that
// much of it, never buffered whole. The Server then closes the connection
// without an ACK: it cannot acknowledge a message it did not read, and after
// a frame it cannot take it cannot trust the sender's framing; the sender's
// engine reports the failure where an operator sees it.
//
// The Server closes a connection that has delivered no message for 10
// minutes (DefaultIdleTimeout), because quiet feeds at night keep connections
// open between messages minutes apart; only a message restarts that clock,
// not an empty frame, a restarted frame or bytes between frames, so that a
// sender cannot hold a connection without sending anything. Each started
// frame gets 10 seconds (DefaultFrameTimeout) to finish, a restart inside it
// no more, because a frame that stalls means a broken sender that should be
// disconnected and seen. It allows 1024 connections (DefaultMaxConns), far
// more than a department's interface engines open, and 32 from one address
// (DefaultMaxConnsPerSource), so that one host cannot take them all; it may
// be limited to some networks (AllowedSources) and, with TLS, to senders
// with a client certificate (TLSConfig.ClientCAs). A connection refused for
// any of these is closed before anything is read from it, and logged (at
// most once in 10 seconds per reason) with its address only.
//
// Shutdown, or cancelling the context given to Serve, stops accepting and
// closes the connections that wait for a frame at once, but lets each
// connection that is receiving or handling a message finish it and write its
// ACK: a message cut off by a restart would only be sent again, but one that
// is stored and then not acknowledged costs the sender a timeout first.
//
// Nothing this package logs holds message content, which is patient data:
// connection events carry the remote address, counts and sizes.
package mllp

// Package hl7 reads and writes HL7 version 2 messages as hospital interface
// engines really send them.
//
// It understands every v2.x version (2.1 to 2.8): the grammar of segments,
// fields, repetitions, components and subcomponents has not changed since
// 2.1, so the package knows no segment definitions. It reads any value by a
// terser-style path ("PID-3[2].1", "OBR-27.6", "PID-5.1.2") and has typed
// helpers for the data types a worklist needs: timestamps (DTM/TS), coded
// elements (CE/CWE), extended person names (XPN, with the Dutch surname
// prefix subcomponents) and extended identifiers (CX).
//
// Real feeds break the standard in well-known ways, and the parser tolerates
// each one on purpose, because refusing them stops a hospital's interface:
//
//   - a UTF-8 byte-order mark before MSH (editors and some engines add one);
//   - segment terminators "\r", "\n" or "\r\n", mixed, and blank or
//     whitespace-only lines between segments (files edited by hand);
//   - delimiters declared in MSH-1 and MSH-2 of each message, whatever they
//     are, with an MSH-2 of 3, 4 or 5 characters (5 is v2.7's truncation
//     character; "^~\\&", a JSON-escaped backslash, is read as "^~\&" with a
//     warning);
//   - a line that is no segment, such as the tail of a long OBX that a stray
//     line break cut in two, is joined to the segment before it, with a
//     warning, which restores the value the sender meant;
//   - unknown escape sequences are kept verbatim, and an escape that is not
//     closed stays text: the parser splits on delimiters before it
//     unescapes, so an escape never swallows the delimiter after it;
//   - MSH-18 character sets ASCII, 8859/1 (and 8859/15) and UNICODE UTF-8 are
//     decoded to UTF-8 strings; bytes that are not valid UTF-8 in a message
//     that declares no character set are read as ISO 8859-1, the usual
//     undeclared encoding of older Western European systems, with a warning.
//
// Warnings are kept on the Message; they name segments and lines, never
// values, so they may be logged without leaking patient data.
//
// Parse indexes a message once: it copies the message into one string and
// records where each segment and field starts. Reading a value returns a
// substring of that string and allocates only when the value contains an
// escape sequence that must be decoded.
//
// Several messages in one stream (a file, or an FHS/BHS batch) are split
// into their messages by Split and ScanMessages. Builder writes messages
// with escaping, and Ack builds acknowledgements.
package hl7

// Package ingest takes outside input into the worklist as events, in one
// intake:
//
//   - HL7 v2 messages received over MLLP (Handler): it parses each
//     message, maps it to events (orders, status changes, reports, AI
//     results, ADT^A08 patient corrections), applies them to the store,
//     and answers with the ACK the sender's interface engine expects — AA
//     only once the store has confirmed the write; a refused message is
//     kept as a dead letter.
//   - AI results, whatever format they come in: HL7 ORU^R01 from an AI
//     sender (through the Handler) and JSON posted to the HTTP API
//     (DecodeAIResult) map to the one AI-result event
//     (worklist.AIResultReceived).
//
// JSON from outside is decoded strictly (DecodeJSON); what is refused is
// a *FieldError that names the field at fault. The package knows no
// HTTP: the web side decodes a request's body with it, applies the event
// and answers.
package ingest

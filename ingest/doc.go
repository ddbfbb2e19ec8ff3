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
//     sender (through the Handler), JSON posted to the HTTP API
//     (DecodeAIResult) and FHIR R4 Observations, DiagnosticReports and
//     Bundles posted to the FHIR base (DecodeFHIR) map to the one
//     AI-result event (worklist.AIResultReceived). Findings carry their
//     codes as sent (SNOMED CT, RadLex, RadElement, a vendor's own) and
//     their presence; triage resolves them to concepts.
//
// JSON from outside is decoded strictly (DecodeJSON); what is refused is
// a *FieldError that names the field at fault. FHIR resources are read
// for the elements Voorrang needs, the rest left unread; what is refused
// is a *FHIRError that names the element by its FHIRPath expression. The package knows no
// HTTP: the web side decodes a request's body with it, applies the event
// and answers.
package ingest

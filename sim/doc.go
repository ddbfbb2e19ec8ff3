// Package sim is the reading-room simulator: a synthetic day of a radiology
// department at two Dutch sites, told as the HL7 v2 messages Voorrang
// receives.
//
// ZHWEST sends as a HiX-like system (ORM^O01 v2.4, the accession in OBR-18
// and in ORC-3/OBR-3, a ZDS study UID); ZHOOST as an Epic-like one (OMI^O23
// v2.5.1 with TQ1 and IPC, the accession in ORC-3/OBR-3 and IPC-1, UTF-8);
// both as testdata/README.md describes. Each study is ordered (NW, scheduled),
// now and then started (SC IP), completed (SC CM) a few minutes later, read
// by an AI algorithm of the AI platform when one applies (ORU^R01 from
// AIPLATFORM with the algorithm ids and finding codes of the built-in triage
// rules; mostly negative, now and then an incidental PE on an oncology CT, a
// bleed on an ED head CT, a fracture on an ED X-ray), and then taken by a
// virtual radiologist of its section (neuro, chest, abdomen, MSK), who
// reads it for a while and sends the report (ORU^R01, OBR-25 P from a
// resident and F when authorised). Some orders are cancelled, some
// messages are sent twice, and some AI results arrive before their order.
//
// Patients are synthetic: Dutch-looking names with their surname prefixes
// in XPN subcomponents ("van den Berg&van den&Berg"), site MRNs, test BSNs
// (9999xxxxx, passing the 11-test) and birth dates.
//
// A Sim runs on simulated time only and is repeatable: the same Seed and
// Start give the same messages, byte for byte (with the simulator's own
// model of the list as its Desk; a StoreDesk makes the readers' choices
// those of the real worklist). Live runs one against a service as a Clock
// goes (a CompressedClock for the demo, a ManualClock in tests), and
// WriteFeed writes a day into .hl7 files.
package sim

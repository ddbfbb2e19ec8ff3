package redisstore

import (
	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/voorrang/voorrang/worklist"
)

// Studies are stored as JSON, written and read with encoding/json/v2
// (its mirror module until Go 1.27 makes it standard), which decodes them
// faster than encoding/json: every write, every page of the list and every
// change a panel receives decodes studies (the first page takes about 15%
// less time, the service about 10% less CPU per message). What the API
// answers is still written by encoding/json.
//
// The options keep what encoding/json wrote: nil slices and maps as null,
// map keys sorted, and invalid UTF-8 in a field (a message that declared
// UTF-8 and was not) as U+FFFD rather than a failed write.
var studyJSON = jsonv2.JoinOptions(jsontext.AllowInvalidUTF8(true), jsonv2.Deterministic(true),
	jsonv2.FormatNilSliceAsNull(true), jsonv2.FormatNilMapAsNull(true))

func marshalStudy(st *worklist.Study) ([]byte, error) { return jsonv2.Marshal(st, studyJSON) }

func unmarshalStudy(data []byte, st *worklist.Study) error {
	return jsonv2.Unmarshal(data, st, studyJSON)
}

package ecommerce

import (
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

// Stored bodies (declarations, their versions, warehouse purchases) are
// deterministic binary protobuf: a tenth of the cost of JSON to write and
// read, and field renames in the contract do not break stored rows. Rows
// written as JSON by earlier releases are still read: a JSON object starts
// with '{', which no binary encoding of these messages does (it would be
// field 15 with the deprecated group wire type).
var bodyOut = proto.MarshalOptions{Deterministic: true}

func marshalBody(m proto.Message) ([]byte, error) { return bodyOut.Marshal(m) }

func unmarshalBody(b []byte, m proto.Message) error {
	if len(b) > 0 && b[0] == '{' {
		return protojson.Unmarshal(b, m)
	}
	return proto.Unmarshal(b, m)
}

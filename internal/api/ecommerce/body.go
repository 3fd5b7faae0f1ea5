package ecommerce

import (
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/eaeu/customs-exchange/internal/packed"
)

// Stored bodies (declarations, their versions, warehouse purchases) are
// deterministic binary protobuf, packed (package packed): a tenth of the
// cost of JSON to write and read, and field renames in the contract do not
// break stored rows. Rows written by earlier releases are still read:
// unpacked protobuf, and JSON, whose object starts with '{', which no
// binary encoding of these messages does (it would be field 15 with the
// deprecated group wire type).
var bodyOut = proto.MarshalOptions{Deterministic: true}

func marshalBody(m proto.Message) ([]byte, error) {
	b, err := bodyOut.Marshal(m)
	if err != nil {
		return nil, err
	}
	return packed.Pack(b), nil
}

func unmarshalBody(b []byte, m proto.Message) error {
	if len(b) > 0 && b[0] == '{' {
		return protojson.Unmarshal(b, m)
	}
	b, err := packed.Unpack(b)
	if err != nil {
		return err
	}
	return proto.Unmarshal(b, m)
}

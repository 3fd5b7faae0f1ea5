package accounting

import (
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

func protoString(s string) protoreflect.Value { return protoreflect.ValueOfString(s) }
func protoInt(i int64) protoreflect.Value     { return protoreflect.ValueOfInt64(i) }

// follow walks the message fields named by path from m; nil when one is
// not set.
func follow(m proto.Message, path []string) proto.Message {
	for _, name := range path {
		r := m.ProtoReflect()
		fd := r.Descriptor().Fields().ByName(protoreflect.Name(name))
		if fd == nil || !r.Has(fd) {
			return nil
		}
		m = r.Get(fd).Message().Interface()
	}
	return m
}

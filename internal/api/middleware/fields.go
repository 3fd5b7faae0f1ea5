package middleware

import (
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// requestIDOf returns the request's request_id field and whether it has
// one: a request with that field is a mutating call.
func requestIDOf(req any) (string, bool) {
	m, ok := req.(proto.Message)
	if !ok {
		return "", false
	}
	fd := m.ProtoReflect().Descriptor().Fields().ByName("request_id")
	if fd == nil || fd.Kind() != protoreflect.StringKind {
		return "", false
	}
	return m.ProtoReflect().Get(fd).String(), true
}

// resourceOf names the resource a request is about, for the audit trail:
// its name field, or the name of its first message field that has one.
func resourceOf(req any) string {
	m, ok := req.(proto.Message)
	if !ok {
		return ""
	}
	r := m.ProtoReflect()
	if s := stringField(r, "name"); s != "" {
		return s
	}
	if s := stringField(r, "parent"); s != "" {
		return s
	}
	fields := r.Descriptor().Fields()
	for i := 0; i < fields.Len(); i++ {
		fd := fields.Get(i)
		if fd.Kind() == protoreflect.MessageKind && !fd.IsList() && !fd.IsMap() && r.Has(fd) {
			if s := stringField(r.Get(fd).Message(), "name"); s != "" {
				return s
			}
		}
	}
	return ""
}

func stringField(r protoreflect.Message, name protoreflect.Name) string {
	fd := r.Descriptor().Fields().ByName(name)
	if fd == nil || fd.Kind() != protoreflect.StringKind || fd.IsList() {
		return ""
	}
	return r.Get(fd).String()
}

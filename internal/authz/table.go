// Package authz decides whether a caller's role may call an RPC. The rule of
// each RPC is declared next to it in the proto (the eaeu.auth.v1.access
// method option); Build turns those declarations into a table keyed by full
// method name and fails when any served RPC has none, so the server refuses
// to start rather than serve an RPC nobody decided about.
package authz

import (
	"fmt"
	"sort"
	"strings"

	authv1 "github.com/eaeu/customs-exchange/gen/eaeu/auth/v1"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
)

// Infrastructure services are not ours to annotate: health and server
// reflection answer every caller (grpcurl needs them before it knows who
// it is).
var Infrastructure = []string{
	"grpc.health.v1.Health",
	"grpc.reflection.v1.ServerReflection",
	"grpc.reflection.v1alpha.ServerReflection",
}

// Rule is the access rule of one RPC.
type Rule struct {
	Public bool
	Roles  map[authv1.Role]bool
}

// Allows reports whether role may call the RPC.
func (r Rule) Allows(role authv1.Role) bool { return r.Public || r.Roles[role] }

// Table maps full method names (/pkg.Service/Method) to rules.
type Table map[string]Rule

// Build reads the access option of every method of every service in
// services (as grpc.Server.GetServiceInfo returns them).
func Build(services map[string]grpc.ServiceInfo) (Table, error) {
	t := Table{}
	var missing []string
	infra := map[string]bool{}
	for _, s := range Infrastructure {
		infra[s] = true
	}
	for svc, info := range services {
		for _, m := range info.Methods {
			full := "/" + svc + "/" + m.Name
			if infra[svc] {
				t[full] = Rule{Public: true}
				continue
			}
			rule, ok, err := ruleOf(svc, m.Name)
			if err != nil {
				return nil, err
			}
			if !ok {
				missing = append(missing, full)
				continue
			}
			t[full] = rule
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return nil, fmt.Errorf("authz: no eaeu.auth.v1.access option on %s; every RPC must declare its roles", strings.Join(missing, ", "))
	}
	return t, nil
}

func ruleOf(svc, method string) (Rule, bool, error) {
	d, err := protoregistry.GlobalFiles.FindDescriptorByName(protoreflect.FullName(svc + "." + method))
	if err != nil {
		return Rule{}, false, fmt.Errorf("authz: descriptor of %s.%s: %w", svc, method, err)
	}
	md, ok := d.(protoreflect.MethodDescriptor)
	if !ok {
		return Rule{}, false, fmt.Errorf("authz: %s.%s is not a method", svc, method)
	}
	opts := md.Options()
	if opts == nil || !proto.HasExtension(opts, authv1.E_Access) {
		return Rule{}, false, nil
	}
	acc, _ := proto.GetExtension(opts, authv1.E_Access).(*authv1.Access)
	if acc == nil || len(acc.GetRoles()) == 0 {
		return Rule{}, false, nil
	}
	r := Rule{Roles: map[authv1.Role]bool{}}
	for _, role := range acc.GetRoles() {
		if role == authv1.Role_ROLE_UNSPECIFIED {
			return Rule{}, false, fmt.Errorf("authz: %s.%s lists ROLE_UNSPECIFIED", svc, method)
		}
		if role == authv1.Role_ROLE_PUBLIC {
			r.Public = true
		}
		r.Roles[role] = true
	}
	return r, true, nil
}

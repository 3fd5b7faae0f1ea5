package authz_test

import (
	"strings"
	"testing"

	"google.golang.org/grpc"
	testgrpc "google.golang.org/grpc/interop/grpc_testing"

	authv1 "github.com/eaeu/customs-exchange/gen/eaeu/auth/v1"
	referencev1 "github.com/eaeu/customs-exchange/gen/eaeu/reference/v1"
	"github.com/eaeu/customs-exchange/internal/authz"
)

func infoOf(register func(grpc.ServiceRegistrar)) map[string]grpc.ServiceInfo {
	s := grpc.NewServer()
	register(s)
	return s.GetServiceInfo()
}

func TestBuildReadsTheProtoDeclarations(t *testing.T) {
	table, err := authz.Build(infoOf(func(s grpc.ServiceRegistrar) {
		referencev1.RegisterCalendarServiceServer(s, referencev1.UnimplementedCalendarServiceServer{})
		referencev1.RegisterCustomsBodyServiceServer(s, referencev1.UnimplementedCustomsBodyServiceServer{})
	}))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		method string
		role   authv1.Role
		want   bool
	}{
		{"/eaeu.reference.v1.CalendarService/ComputeDate", authv1.Role_ROLE_PUBLIC, true},
		{"/eaeu.reference.v1.CalendarService/UpdateCalendar", authv1.Role_ROLE_CUSTOMS, true},
		{"/eaeu.reference.v1.CalendarService/UpdateCalendar", authv1.Role_ROLE_PEER_CUSTOMS, false},
		{"/eaeu.reference.v1.CalendarService/UpdateCalendar", authv1.Role_ROLE_PUBLIC, false},
		{"/eaeu.reference.v1.CustomsBodyService/GetCustomsBody", authv1.Role_ROLE_COMMISSION, true},
		{"/eaeu.reference.v1.CustomsBodyService/GetCustomsBody", authv1.Role_ROLE_OPERATOR, false},
	}
	for _, c := range cases {
		if got := table[c.method].Allows(c.role); got != c.want {
			t.Errorf("%s by %s: got %v, want %v", c.method, c.role, got, c.want)
		}
	}
}

// An RPC without an access declaration stops the server from starting.
func TestBuildFailsClosedOnAnUndeclaredRPC(t *testing.T) {
	_, err := authz.Build(infoOf(func(s grpc.ServiceRegistrar) {
		referencev1.RegisterCalendarServiceServer(s, referencev1.UnimplementedCalendarServiceServer{})
		testgrpc.RegisterTestServiceServer(s, testgrpc.UnimplementedTestServiceServer{})
	}))
	if err == nil || !strings.Contains(err.Error(), "/grpc.testing.TestService/EmptyCall") {
		t.Fatalf("want a refusal naming the undeclared RPC, got %v", err)
	}
}

func TestInfrastructureIsPublic(t *testing.T) {
	table, err := authz.Build(map[string]grpc.ServiceInfo{"grpc.health.v1.Health": {Methods: []grpc.MethodInfo{{Name: "Check"}}}})
	if err != nil || !table["/grpc.health.v1.Health/Check"].Allows(authv1.Role_ROLE_PUBLIC) {
		t.Fatalf("health must answer every caller: %v", err)
	}
}

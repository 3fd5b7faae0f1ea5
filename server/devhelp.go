package main

import (
	"fmt"
	"os"

	"github.com/eaeu/customs-exchange/internal/pki"
)

// printDevHelp prints ready-to-paste grpcurl and curl commands that use
// the development certificates.
func printDevHelp(dev *pki.DevPKI, grpcAddr, httpAddr, metricsAddr string) {
	c := dev.Clients[pki.RoleCustoms]
	grpcurl := fmt.Sprintf("go tool -modfile=tools/go.mod grpcurl -cacert %s -cert %s -key %s", dev.CAFile, c.Cert, c.Key)
	curl := fmt.Sprintf("curl --cacert %s --cert %s --key %s", dev.CAFile, c.Cert, c.Key)
	w := os.Stdout
	fmt.Fprintf(w, "\nDevelopment mode. Certificates in %s; client certificates per role:\n", dev.Dir)
	for _, role := range pki.Roles() {
		fmt.Fprintf(w, "  %-11s %s (%s)\n", role, dev.Clients[role].Cert, dev.Clients[role].URI)
	}
	fmt.Fprintf(w, "\nTry (as the own customs role):\n")
	fmt.Fprintf(w, "  %s %s list\n", grpcurl, grpcAddr)
	fmt.Fprintf(w, "  %s %s grpc.health.v1.Health/Check\n", grpcurl, grpcAddr)
	fmt.Fprintf(w, "  %s %s eaeu.auth.v1.IdentityService/GetCallerIdentity\n", grpcurl, grpcAddr)
	fmt.Fprintf(w, "  %s -d '{\"member_state\":\"KZ\",\"date\":\"2026-11-23\"}' %s eaeu.reference.v1.DutyScheduleService/ResolveDutySchedule\n", grpcurl, grpcAddr)
	if httpAddr != "" {
		fmt.Fprintf(w, "  %s https://%s/v1/identity\n", curl, httpAddr)
		fmt.Fprintf(w, "  %s 'https://%s/v1/dutySchedules:resolve?member_state=KZ&date=2026-11-23'\n", curl, httpAddr)
		fmt.Fprintf(w, "  curl --cacert %s https://%s/openapi.json\n", dev.CAFile, httpAddr)
	}
	if metricsAddr != "" {
		fmt.Fprintf(w, "  curl http://%s/metrics\n", metricsAddr)
	}
	fmt.Fprintln(w)
}

package app

import (
	"google.golang.org/grpc"

	auditv1 "github.com/eaeu/customs-exchange/gen/eaeu/audit/v1"
	authv1 "github.com/eaeu/customs-exchange/gen/eaeu/auth/v1"
	ecommercev1 "github.com/eaeu/customs-exchange/gen/eaeu/ecommerce/v1"
	operatorsv1 "github.com/eaeu/customs-exchange/gen/eaeu/operators/v1"
	referencev1 "github.com/eaeu/customs-exchange/gen/eaeu/reference/v1"
	"github.com/eaeu/customs-exchange/internal/api/accounting"
	"github.com/eaeu/customs-exchange/internal/api/auditapi"
	"github.com/eaeu/customs-exchange/internal/api/ecommerce"
	"github.com/eaeu/customs-exchange/internal/api/identity"
	"github.com/eaeu/customs-exchange/internal/api/operators"
	"github.com/eaeu/customs-exchange/internal/api/reference"
)

// registerServices registers every service of the API on s. The gateway
// routes in gateway.go must list the same services.
func registerServices(s grpc.ServiceRegistrar, deps reference.Deps, decl ecommerce.Deps, reg operators.Requirements) {
	authv1.RegisterIdentityServiceServer(s, identity.Server{})
	auditv1.RegisterAuditServiceServer(s, &auditapi.Server{Store: deps.Store})
	referencev1.RegisterCustomsBodyServiceServer(s, &reference.CustomsBodies{Deps: deps})
	referencev1.RegisterCalendarServiceServer(s, &reference.Calendars{Deps: deps})
	referencev1.RegisterExchangeRateServiceServer(s, &reference.ExchangeRates{Deps: deps})
	referencev1.RegisterDutyScheduleServiceServer(s, &reference.DutySchedules{Deps: deps})
	ecommercev1.RegisterDeclarationServiceServer(s, ecommerce.New(decl))
	ecommercev1.RegisterWarehouseServiceServer(s, ecommerce.NewWarehouse(decl))
	operatorsv1.RegisterRegisterServiceServer(s, operators.New(deps, reg))
	operatorsv1.RegisterAccountingServiceServer(s, accounting.New(deps))
}

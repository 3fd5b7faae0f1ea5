package app

import (
	"context"
	"net/http"
	"strings"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"

	auditv1 "github.com/eaeu/customs-exchange/gen/eaeu/audit/v1"
	authv1 "github.com/eaeu/customs-exchange/gen/eaeu/auth/v1"
	ecommercev1 "github.com/eaeu/customs-exchange/gen/eaeu/ecommerce/v1"
	exchangev1 "github.com/eaeu/customs-exchange/gen/eaeu/exchange/v1"
	operatorsv1 "github.com/eaeu/customs-exchange/gen/eaeu/operators/v1"
	referencev1 "github.com/eaeu/customs-exchange/gen/eaeu/reference/v1"
	"github.com/eaeu/customs-exchange/gen/openapiv2"
	"github.com/eaeu/customs-exchange/internal/api/middleware"
	"github.com/eaeu/customs-exchange/internal/authn"
)

// gatewayRoutes registers the HTTP routes of every service.
var gatewayRoutes = []func(context.Context, *runtime.ServeMux, *grpc.ClientConn) error{
	authv1.RegisterIdentityServiceHandler,
	auditv1.RegisterAuditServiceHandler,
	referencev1.RegisterCustomsBodyServiceHandler,
	referencev1.RegisterCalendarServiceHandler,
	referencev1.RegisterExchangeRateServiceHandler,
	referencev1.RegisterDutyScheduleServiceHandler,
	ecommercev1.RegisterDeclarationServiceHandler,
	ecommercev1.RegisterWarehouseServiceHandler,
	operatorsv1.RegisterRegisterServiceHandler,
	operatorsv1.RegisterAccountingServiceHandler,
	exchangev1.RegisterCopyRequestServiceHandler,
	exchangev1.RegisterRegularExchangeServiceHandler,
	exchangev1.RegisterNoticeServiceHandler,
	exchangev1.RegisterDeliveryServiceHandler,
}

// newGateway builds the HTTP/JSON handler. It authenticates the HTTPS
// client certificate with the same trust bundle as the gRPC server and
// forwards the verified subject (or the reason it was refused) to the
// in-process gRPC server over conn; a client header with the same name is
// dropped, so it cannot be forged.
//
// With plaintext (development only) the client's own subject header is
// passed on instead.
func newGateway(ctx context.Context, conn *grpc.ClientConn, bundle *authn.TrustBundle, plaintext bool) (http.Handler, error) {
	mux := runtime.NewServeMux(
		runtime.WithIncomingHeaderMatcher(func(key string) (string, bool) {
			k := strings.ToLower(key)
			if strings.Contains(k, "x-eaeu-forwarded") {
				if plaintext && k == middleware.ForwardedSubjectHeader {
					return k, true
				}
				return "", false
			}
			if k == middleware.RequestIDHeader {
				return k, true
			}
			return runtime.DefaultHeaderMatcher(key)
		}),
		runtime.WithMetadata(func(_ context.Context, r *http.Request) metadata.MD {
			if r.TLS == nil || len(r.TLS.PeerCertificates) == 0 || bundle == nil {
				return nil
			}
			s, err := bundle.AuthenticatePeer(r.TLS.PeerCertificates)
			if err != nil {
				return metadata.Pairs(middleware.ForwardedRejectedHeader, err.Error())
			}
			return metadata.Pairs(middleware.ForwardedSubjectHeader, s.URI)
		}),
	)
	for _, register := range gatewayRoutes {
		if err := register(ctx, mux, conn); err != nil {
			return nil, err
		}
	}
	root := http.NewServeMux()
	root.Handle("/v1/", mux)
	root.HandleFunc("GET /openapi.json", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(openapiv2.Spec)
	})
	return root, nil
}

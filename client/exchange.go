package client

import (
	"google.golang.org/grpc"

	exchangev1 "github.com/eaeu/customs-exchange/gen/eaeu/exchange/v1"
)

// Exchange holds the clients of the customs-to-customs exchange
// (eaeu.exchange.v1): requests for copies under art. 371, the regular
// exchange, notices and the delivery figures. A peer node uses the same
// clients for the Receive* RPCs and PullRecords.
type Exchange struct {
	CopyRequests    exchangev1.CopyRequestServiceClient
	RegularExchange exchangev1.RegularExchangeServiceClient
	Notices         exchangev1.NoticeServiceClient
	Delivery        exchangev1.DeliveryServiceClient
}

func newExchange(conn grpc.ClientConnInterface) Exchange {
	return Exchange{
		CopyRequests:    exchangev1.NewCopyRequestServiceClient(conn),
		RegularExchange: exchangev1.NewRegularExchangeServiceClient(conn),
		Notices:         exchangev1.NewNoticeServiceClient(conn),
		Delivery:        exchangev1.NewDeliveryServiceClient(conn),
	}
}

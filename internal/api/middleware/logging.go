package middleware

import (
	"context"
	"log/slog"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/status"

	"github.com/eaeu/customs-exchange/internal/api/grpcerr"
)

// LoggingUnary logs one line per call, after the handler: method, code,
// duration, trace id and the caller (individuals' ids hashed). Request
// and response bodies are never logged: they hold personal data. It also
// turns untyped errors into INTERNAL, logging the cause that the client
// does not see.
func LoggingUnary(log *slog.Logger) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
		start := time.Now()
		resp, err := h(ctx, req)
		err = logCall(ctx, log, info.FullMethod, start, err)
		return resp, err
	}
}

// LoggingStream is LoggingUnary for streams.
func LoggingStream(log *slog.Logger) grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, h grpc.StreamHandler) error {
		start := time.Now()
		err := h(srv, ss)
		return logCall(ss.Context(), log, info.FullMethod, start, err)
	}
}

func logCall(ctx context.Context, log *slog.Logger, method string, start time.Time, err error) error {
	var st *status.Status
	if err != nil {
		var typed bool
		st, typed = grpcerr.Status(err)
		if !typed {
			log.ErrorContext(ctx, "internal error", "method", method, "trace_id", TraceID(ctx), "error", err)
		}
		err = st.Err()
	} else {
		st = status.New(0, "")
	}
	c := loggedCaller(ctx)
	level := slog.LevelInfo
	if err != nil {
		level = slog.LevelWarn
	}
	log.Log(ctx, level, "rpc", "method", method, "code", CodeName(st.Code()),
		"duration_ms", float64(time.Since(start).Microseconds())/1000,
		"trace_id", TraceID(ctx), "caller", c.LogSubject(), "role", c.Role.String())
	return err
}

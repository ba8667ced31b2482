package httpapi

import (
	"log/slog"
	"net/http"
	"time"
)

// observe writes the access log line and the metrics of one finished
// request. It logs no header values, bodies or query strings: those may
// carry tokens or passwords.
func (s *Server) observe(r *http.Request, rec *recorder, st *requestState, start time.Time) {
	d := time.Since(start)
	status := rec.statusOrOK()
	method := methodLabel(r.Method)
	route := routeLabel(st.route)
	s.metrics.observe(method, route, status, d)

	attrs := []slog.Attr{
		slog.String("method", method),
		slog.String("route", route),
		slog.Int("status", status),
		slog.Float64("duration_ms", float64(d.Microseconds())/1000),
		slog.Int64("bytes", rec.bytes),
		slog.String("request_id", st.id),
		slog.String("client_ip", st.clientIP),
	}
	if s.traced != nil {
		if id := traceID(r.Context()); id != "" {
			attrs = append(attrs, slog.String("trace_id", id))
		}
	}
	if st.principal != nil {
		attrs = append(attrs, slog.String("user_id", st.principal.User.ID))
	}
	level := slog.LevelInfo
	if status >= 500 {
		level = slog.LevelError
	}
	s.log.LogAttrs(r.Context(), level, "http request", attrs...)
}

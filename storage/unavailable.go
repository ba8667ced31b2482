package storage

import (
	"database/sql/driver"
	"errors"
	"net"
	"strings"
	"syscall"
)

// ErrUnavailable reports that the database could not be reached or dropped
// the connection; the request may succeed when retried a little later.
var ErrUnavailable = errors.New("storage: database unavailable")

// sqlStateError is implemented by pgx's *pgconn.PgError; matching the
// method keeps this package free of driver imports.
type sqlStateError interface {
	error
	SQLState() string
}

// IsUnavailable reports whether err means the database (or any service
// reached over the network) is out of reach rather than that the
// operation was wrong: ErrUnavailable, a broken or
// refused connection (driver.ErrBadConn, a network error,
// ECONNREFUSED/ECONNRESET/EPIPE) or a PostgreSQL connection exception
// (SQLSTATE class 08, or 57P01..57P03: the server is shutting down or not
// yet accepting connections). The HTTP adapter answers these with 503 and
// Retry-After instead of a 500 (see docs/contract.md, Conventions).
func IsUnavailable(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, ErrUnavailable) || errors.Is(err, driver.ErrBadConn) ||
		errors.Is(err, net.ErrClosed) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.EPIPE) {
		return true
	}
	if _, ok := errors.AsType[*net.OpError](err); ok {
		return true
	}
	if se, ok := errors.AsType[sqlStateError](err); ok {
		state := se.SQLState()
		return strings.HasPrefix(state, "08") || state == "57P01" || state == "57P02" || state == "57P03"
	}
	return false
}

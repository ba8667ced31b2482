package storage_test

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/kpbot/kpbot/storage"
)

// pgErr mimics pgx's *pgconn.PgError.
type pgErr struct{ state string }

func (e *pgErr) Error() string    { return "pg error " + e.state }
func (e *pgErr) SQLState() string { return e.state }

func TestIsUnavailable(t *testing.T) {
	t.Parallel()
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	cases := []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"sentinel", fmt.Errorf("load: %w", storage.ErrUnavailable), true},
		{"bad conn", fmt.Errorf("query: %w", driver.ErrBadConn), true},
		{"refused dial", fmt.Errorf("connect: %w", refused), true},
		{"reset", fmt.Errorf("read: %w", syscall.ECONNRESET), true},
		{"unexpected EOF", fmt.Errorf("receive: %w", io.ErrUnexpectedEOF), true},
		{"admin shutdown", fmt.Errorf("query: %w", &pgErr{"57P01"}), true},
		{"cannot connect now", &pgErr{"57P03"}, true},
		{"connection failure", &pgErr{"08006"}, true},
		{"unique violation", &pgErr{"23505"}, false},
		{"not found", storage.ErrNotFound, false},
		{"conflict", fmt.Errorf("%w: dup", storage.ErrConflict), false},
		{"caller cancelled", context.Canceled, false},
		{"plain", errors.New("syntax error"), false},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, storage.IsUnavailable(c.err), c.name)
	}
}

package storage

import "time"

// PoolConfig sizes a database connection pool. A zero field takes the
// default named beside it, so the zero PoolConfig is a sensible pool.
type PoolConfig struct {
	// MaxOpenConns caps open connections; default 10.
	MaxOpenConns int
	// MaxIdleConns caps idle connections kept for reuse; default
	// MaxOpenConns (a busy server would otherwise close and reopen SQLite
	// connections, re-applying pragmas, on every burst) and never more than
	// it. SQLite only: the PostgreSQL pool keeps idle connections up to
	// MaxOpenConns until ConnMaxIdleTime.
	MaxIdleConns int
	// ConnMaxLifetime closes connections older than this; default 1 hour.
	ConnMaxLifetime time.Duration
	// ConnMaxIdleTime closes connections idle this long; default 10 minutes.
	ConnMaxIdleTime time.Duration
}

// The defaults a zero PoolConfig field takes.
const (
	DefaultMaxOpenConns    = 10
	DefaultConnMaxLifetime = time.Hour
	DefaultConnMaxIdleTime = 10 * time.Minute
)

// WithDefaults returns c with every zero or negative field set to its default.
func (c PoolConfig) WithDefaults() PoolConfig {
	if c.MaxOpenConns <= 0 {
		c.MaxOpenConns = DefaultMaxOpenConns
	}
	if c.MaxIdleConns <= 0 {
		c.MaxIdleConns = c.MaxOpenConns
	}
	c.MaxIdleConns = min(c.MaxIdleConns, c.MaxOpenConns)
	if c.ConnMaxLifetime <= 0 {
		c.ConnMaxLifetime = DefaultConnMaxLifetime
	}
	if c.ConnMaxIdleTime <= 0 {
		c.ConnMaxIdleTime = DefaultConnMaxIdleTime
	}
	return c
}

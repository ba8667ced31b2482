package storage

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestPoolConfigWithDefaults(t *testing.T) {
	t.Parallel()
	assert.Equal(t, PoolConfig{
		MaxOpenConns: DefaultMaxOpenConns, MaxIdleConns: DefaultMaxOpenConns,
		ConnMaxLifetime: DefaultConnMaxLifetime, ConnMaxIdleTime: DefaultConnMaxIdleTime,
	}, PoolConfig{}.WithDefaults())

	set := PoolConfig{MaxOpenConns: 30, MaxIdleConns: 5, ConnMaxLifetime: time.Minute, ConnMaxIdleTime: time.Second}
	assert.Equal(t, set, set.WithDefaults(), "set fields are kept")

	assert.Equal(t, 1, PoolConfig{MaxOpenConns: 1, MaxIdleConns: 4}.WithDefaults().MaxIdleConns,
		"idle connections never exceed open ones")
	assert.Equal(t, DefaultMaxOpenConns, PoolConfig{MaxOpenConns: -3}.WithDefaults().MaxOpenConns)
	assert.Equal(t, 25, PoolConfig{MaxOpenConns: 25}.WithDefaults().MaxIdleConns, "idle follows open by default")
}

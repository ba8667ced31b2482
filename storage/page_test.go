package storage

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestClampLimit(t *testing.T) {
	t.Parallel()
	for in, want := range map[int]int{-1: DefaultLimit, 0: DefaultLimit, 1: 1, 50: 50, 200: 200, 201: MaxLimit, 1 << 30: MaxLimit} {
		assert.Equal(t, want, ClampLimit(in), "ClampLimit(%d)", in)
	}
}

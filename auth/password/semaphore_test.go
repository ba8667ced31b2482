package password

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"
)

// TestWaitHonoursContext holds the only slot and checks that a waiting
// call gives up as soon as its context ends, and that a freed slot is used.
func TestWaitHonoursContext(t *testing.T) {
	t.Parallel()
	h, err := New(Config{Cost: bcrypt.MinCost, MaxConcurrent: 1})
	require.NoError(t, err)
	hash, err := h.Hash(context.Background(), "password1")
	require.NoError(t, err)

	h.sem <- struct{}{} // hold the only slot

	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	start := time.Now()
	err = h.Compare(cancelled, hash, "password1")
	assert.ErrorIs(t, err, context.Canceled)
	assert.Less(t, time.Since(start), time.Second)

	waiting, cancelWaiting := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.Compare(waiting, hash, "password1") }()
	select {
	case err := <-done:
		t.Fatalf("Compare ran without a slot: %v", err)
	case <-time.After(50 * time.Millisecond):
	}
	cancelWaiting()
	select {
	case err := <-done:
		assert.ErrorIs(t, err, context.Canceled)
	case <-time.After(5 * time.Second):
		t.Fatal("Compare kept waiting after its context was cancelled")
	}

	deadline, cancelDeadline := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancelDeadline()
	_, err = h.Hash(deadline, "password2")
	assert.ErrorIs(t, err, context.DeadlineExceeded)

	<-h.sem // free it
	assert.NoError(t, h.Compare(context.Background(), hash, "password1"))
	assert.Empty(t, h.sem, "every call released its slot")
}

package bustest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLabeledGoroutinesSeesInheritedLabels makes sure the leak check can
// see a leak: a goroutine started (two levels down) under the label is
// counted until it ends, and unlabelled goroutines are not.
func TestLabeledGoroutinesSeesInheritedLabels(t *testing.T) {
	release := make(chan struct{})
	exited := make(chan struct{}, 2)
	go func() { <-release; exited <- struct{}{} }() // unlabelled
	runLabeled("leak-check", func(context.Context) {
		go func() {
			go func() { <-release; exited <- struct{}{} }()
		}()
	})
	require.Eventually(t, func() bool {
		n, _, err := labeledGoroutines("leak-check")
		return err == nil && n == 1
	}, 5*time.Second, 10*time.Millisecond)
	n, stacks, err := labeledGoroutines("leak-check")
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	assert.Contains(t, stacks, "TestLabeledGoroutinesSeesInheritedLabels")
	close(release)
	<-exited
	<-exited
	require.Eventually(t, func() bool {
		n, _, err := labeledGoroutines("leak-check")
		return err == nil && n == 0
	}, 5*time.Second, 10*time.Millisecond)
}

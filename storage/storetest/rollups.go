package storetest

import (
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/analytics"
)

// TestRollups runs the analytics.Store scenarios against a fresh store
// from newStore; two stores from one factory call stand for two
// instances sharing one database.
func TestRollups(t *testing.T, newStore func(t *testing.T) analytics.Store) {
	t.Helper()
	t.Run("MergedAcrossInstances", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		a := rollup(100, "GET", "/a", 3, 1, 0, map[int]uint64{0: 1, 10: 2})
		b := rollup(100, "GET", "/a", 5, 0, 2, map[int]uint64{10: 4, 63: 1})
		require.NoError(t, s.Save(ctx, "i1", []analytics.Rollup{a, rollup(101, "POST", "/b", 1, 0, 0, map[int]uint64{5: 1})}))
		require.NoError(t, s.Save(ctx, "i2", []analytics.Rollup{b}))
		got, err := s.Load(ctx, 100, 101)
		require.NoError(t, err)
		sortRollups(got)
		want := a
		want.Add(&b)
		require.Len(t, got, 2)
		assert.Equal(t, want, got[0])
		assert.Equal(t, uint64(1), got[1].Requests)
		assert.Equal(t, uint64(1), got[1].Bins[5])

		only, err := s.Load(ctx, 101, 200)
		require.NoError(t, err)
		require.Len(t, only, 1)
		assert.Equal(t, "/b", only[0].Route)
	})
	t.Run("SaveReplacesTheInstancesTotals", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		require.NoError(t, s.Save(ctx, "i1", []analytics.Rollup{rollup(7, "GET", "/x", 2, 0, 0, map[int]uint64{3: 2})}))
		// A retry, then the running total growing: never double counted.
		require.NoError(t, s.Save(ctx, "i1", []analytics.Rollup{rollup(7, "GET", "/x", 2, 0, 0, map[int]uint64{3: 2})}))
		require.NoError(t, s.Save(ctx, "i1", []analytics.Rollup{rollup(7, "GET", "/x", 5, 1, 1, map[int]uint64{3: 4, 9: 1})}))
		got, err := s.Load(ctx, 0, 1000)
		require.NoError(t, err)
		require.Len(t, got, 1)
		assert.Equal(t, rollup(7, "GET", "/x", 5, 1, 1, map[int]uint64{3: 4, 9: 1}), got[0])
		require.NoError(t, s.Save(ctx, "i1", nil))
	})
	t.Run("Prune", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		require.NoError(t, s.Save(ctx, "i1", []analytics.Rollup{
			rollup(10, "GET", "/x", 1, 0, 0, nil), rollup(20, "GET", "/x", 1, 0, 0, nil),
		}))
		require.NoError(t, s.Prune(ctx, 20))
		got, err := s.Load(ctx, 0, 100)
		require.NoError(t, err)
		require.Len(t, got, 1)
		assert.Equal(t, int64(20), got[0].Minute)
	})
	t.Run("ConcurrentInstances", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		var wg sync.WaitGroup
		for i := range 4 {
			wg.Go(func() {
				inst := string(rune('a' + i))
				for n := uint64(1); n <= 5; n++ {
					assert.NoError(t, s.Save(ctx, inst, []analytics.Rollup{rollup(50, "GET", "/c", n, 0, 0, map[int]uint64{1: n})}))
				}
			})
		}
		wg.Wait()
		got, err := s.Load(ctx, 50, 50)
		require.NoError(t, err)
		require.Len(t, got, 1)
		assert.Equal(t, uint64(20), got[0].Requests)
		assert.Equal(t, uint64(20), got[0].Bins[1])
	})
}

func rollup(minute int64, method, route string, n, c4, c5 uint64, bins map[int]uint64) analytics.Rollup {
	r := analytics.Rollup{Minute: minute, Method: method, Route: route, Requests: n, ClientErrors: c4, ServerErrors: c5}
	for i, v := range bins {
		r.Bins[i] = v
	}
	return r
}

func sortRollups(rs []analytics.Rollup) {
	slices.SortFunc(rs, func(a, b analytics.Rollup) int {
		if a.Minute != b.Minute {
			return int(a.Minute - b.Minute)
		}
		return strings.Compare(a.Route, b.Route)
	})
}

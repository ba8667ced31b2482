package events_test

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/events"
)

func TestNamesAreTheContractsAndValid(t *testing.T) {
	t.Parallel()
	want := "run.queued run.started run.progress run.succeeded run.failed run.cancelled run.warning prospect.found comment.drafted comment.reviewed notification"
	assert.Equal(t, want, strings.Join(events.Names(), " "))
	for _, n := range events.Names() {
		assert.NoError(t, events.CheckName(n))
	}
	assert.NoError(t, events.CheckName("embedder.custom_event"))
	for _, bad := range []string{"", "has space", "tab\t", strings.Repeat("n", events.MaxNameLen+1), "ünicode"} {
		assert.ErrorIs(t, events.CheckName(bad), events.ErrInvalidEvent, "%q", bad)
	}
}

func TestEncodeData(t *testing.T) {
	t.Parallel()
	raw := json.RawMessage(`{"a":1}`)
	cases := []struct {
		name string
		in   any
		want string
	}{
		{"nil", nil, `{}`},
		{"empty raw", json.RawMessage(nil), `{}`},
		{"raw", raw, `{"a":1}`},
		{"bytes", []byte(`[1,2]`), `[1,2]`},
		{"struct", struct {
			X string `json:"x"`
		}{"y"}, `{"x":"y"}`},
		{"map", map[string]bool{"ok": true}, `{"ok":true}`},
	}
	for _, c := range cases {
		got, err := events.EncodeData(c.in)
		require.NoError(t, err, c.name)
		assert.JSONEq(t, c.want, string(got), c.name)
	}
	got, err := events.EncodeData(raw)
	require.NoError(t, err)
	got[2] = 'Z'
	assert.Equal(t, `{"a":1}`, string(raw), "EncodeData copies raw input")

	for _, bad := range []any{json.RawMessage(`{`), []byte(`nope`), math.Inf(1), make(chan int)} {
		_, err := events.EncodeData(bad)
		assert.ErrorIs(t, err, events.ErrInvalidEvent, "%T", bad)
	}
}

package eventbus

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNoticePayloadRoundTrip(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		topic string
		seq   int64
	}{
		{"run:abc", 1},
		{"campaign:a:b:c", 9223372036854775807},
		{"user:0190f3a2-7b1c-7000-8000-000000000001", 42},
	} {
		p := encodeNotice(c.topic, c.seq)
		n, err := decodeNotice(p)
		require.NoError(t, err, p)
		assert.Equal(t, c.topic, n.Topic)
		assert.Equal(t, c.seq, n.Seq)
		assert.False(t, n.Lagged)
	}
}

func TestNoticePayloadRejects(t *testing.T) {
	t.Parallel()
	for _, p := range []string{"", "run", "run:", ":5", "run:x:0", "run:x:-3", "run:x:1.5", "run x:1", "run:x:99999999999999999999"} {
		_, err := decodeNotice(p)
		assert.Error(t, err, "%q", p)
	}
}

func FuzzDecodeNotice(f *testing.F) {
	for _, s := range []string{"run:a:1", "campaign:x:y:22", "bad", ":1", "user:u:0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := decodeNotice(s)
		if err != nil {
			return
		}
		if got := encodeNotice(n.Topic, n.Seq); got != s && n.Seq > 0 {
			// Leading zeros or a '+' sign parse but do not round-trip;
			// the decoded notice must still re-decode to itself.
			again, err := decodeNotice(got)
			if err != nil || again != n {
				t.Fatalf("decode(%q) = %+v, re-encoded %q decodes to %+v, %v", s, n, got, again, err)
			}
		}
	})
}

package main

import (
	"net"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// serverFrame builds an unmasked server frame.
func serverFrame(fin bool, op byte, payload []byte) []byte {
	b0 := op
	if fin {
		b0 |= 0x80
	}
	f := []byte{b0}
	switch n := len(payload); {
	case n < 126:
		f = append(f, byte(n))
	case n <= 0xFFFF:
		f = append(f, 126, byte(n>>8), byte(n))
	default:
		f = append(f, 127, 0, 0, 0, 0, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
	return append(f, payload...)
}

func TestParseFrame(t *testing.T) {
	for _, size := range []int{0, 5, 125, 126, 300, 70000} {
		payload := make([]byte, size)
		whole := serverFrame(true, opText, payload)
		f, n, err := parseFrame(whole)
		require.NoError(t, err)
		assert.Equal(t, len(whole), n, "size %d", size)
		assert.True(t, f.fin)
		assert.Equal(t, byte(opText), f.op)
		assert.Len(t, f.payload, size)
		for cut := range min(len(whole), 12) {
			_, n, err := parseFrame(whole[:cut])
			require.NoError(t, err)
			assert.Zero(t, n, "size %d cut at %d: not whole yet", size, cut)
		}
		_, n, err = parseFrame(whole[:len(whole)-1])
		require.NoError(t, err)
		assert.Zero(t, n)
	}
	_, _, err := parseFrame([]byte{0x81, 0x85, 1, 2, 3, 4, 5})
	assert.ErrorContains(t, err, "masked")
	_, _, err = parseFrame([]byte{0xC1, 0})
	assert.ErrorContains(t, err, "reserved")
	_, _, err = parseFrame([]byte{0x81, 127, 0, 0, 0, 1, 0, 0, 0, 0})
	assert.ErrorContains(t, err, "bytes")
}

func FuzzParseFrame(f *testing.F) {
	f.Add(serverFrame(true, opText, []byte(`{"type":"event"}`)))
	f.Add(serverFrame(false, opBinary, make([]byte, 200)))
	f.Add([]byte{0x89, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		fr, n, err := parseFrame(b)
		if err != nil || n == 0 {
			return
		}
		if n > len(b) || len(fr.payload) > n {
			t.Fatalf("frame of %d bytes with %d of payload from %d bytes", n, len(fr.payload), len(b))
		}
	})
}

func TestJSONInt(t *testing.T) {
	v, end, ok := jsonInt([]byte(`{"seq":42,"x":1}`), `"seq":`)
	assert.True(t, ok)
	assert.EqualValues(t, 42, v)
	assert.Equal(t, 9, end)
	v, _, ok = jsonInt([]byte(`"n":-7}`), `"n":`)
	assert.True(t, ok)
	assert.EqualValues(t, -7, v)
	_, _, ok = jsonInt([]byte(`{"seq":"x"}`), `"seq":`)
	assert.False(t, ok)
	_, _, ok = jsonInt([]byte(`{}`), `"seq":`)
	assert.False(t, ok)
}

// TestHandleFrames: events split over reads and fragments are recorded in
// order, a ping is answered with a pong, and the call says when m events
// are in.
func TestHandleFrames(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	c := &wsConn{c: &leanWS{conn: a, out: a}, lat: make([]time.Duration, 0, 3)}
	sent := time.Now().Add(-time.Millisecond).UnixNano()
	ev := func(seq int) []byte {
		return []byte(`{"type":"event","topic":"campaign:x","seq":` + itoa(seq) + `,"event":"run.progress","data":{"i":0,"sent_at_ns":` + itoa64(sent) + `},"at":"2026-11-27T00:00:00Z"}`)
	}
	var stream []byte
	stream = append(stream, serverFrame(true, opText, ev(1))...)
	stream = append(stream, serverFrame(true, opPing, []byte("hi"))...)
	two := ev(2)
	stream = append(stream, serverFrame(false, opText, two[:10])...)
	stream = append(stream, serverFrame(true, opContinuation, two[10:])...)
	stream = append(stream, serverFrame(true, opText, ev(3))...)

	pong := make(chan []byte, 1)
	go func() {
		buf := make([]byte, 64)
		n, _ := b.Read(buf)
		pong <- buf[:n]
	}()
	var received atomic.Int64
	var pending []byte
	done := false
	for i := 0; i < len(stream) && !done; i += 7 { // 7 bytes a read
		data := append(pending, stream[i:min(i+7, len(stream))]...)
		used, d, err := c.handleFrames(data, 3, time.Now(), &received)
		require.NoError(t, err)
		pending = append([]byte(nil), data[used:]...)
		done = d
	}
	assert.True(t, done)
	assert.EqualValues(t, 3, received.Load())
	assert.Zero(t, c.disorder)
	assert.EqualValues(t, 3, c.lastSeq)
	for _, l := range c.lat {
		assert.GreaterOrEqual(t, l, time.Millisecond)
	}
	p := <-pong
	require.Len(t, p, 2+4+2, "a masked pong of the ping's 2 bytes")
	assert.Equal(t, byte(0x80|opPong), p[0])
	mask := p[2:6]
	assert.Equal(t, "hi", string([]byte{p[6] ^ mask[0], p[7] ^ mask[1]}))
}

func itoa(n int) string     { return itoa64(int64(n)) }
func itoa64(n int64) string { return strconv.FormatInt(n, 10) }

package main

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"sync/atomic"
	"time"
)

// wireFrame is one server frame parsed in place from a read buffer.
type wireFrame struct {
	fin     bool
	op      byte
	payload []byte // aliases the buffer
}

// parseFrame parses the server frame at the start of b. n is the frame's
// length, 0 when b does not hold all of it yet.
func parseFrame(b []byte) (f wireFrame, n int, err error) {
	if len(b) < 2 {
		return f, 0, nil
	}
	if b[0]&0x70 != 0 {
		return f, 0, errors.New("websocket: reserved bits set")
	}
	if b[1]&0x80 != 0 {
		return f, 0, errors.New("websocket: masked frame from the server")
	}
	f.fin, f.op = b[0]&0x80 != 0, b[0]&0x0F
	size, head := uint64(b[1]&0x7F), 2
	switch size {
	case 126:
		if len(b) < 4 {
			return f, 0, nil
		}
		size, head = uint64(binary.BigEndian.Uint16(b[2:])), 4
	case 127:
		if len(b) < 10 {
			return f, 0, nil
		}
		size, head = binary.BigEndian.Uint64(b[2:]), 10
	}
	if size > maxLeanMessage {
		return f, 0, fmt.Errorf("websocket: frame of %d bytes", size)
	}
	if uint64(len(b)-head) < size {
		return f, 0, nil
	}
	f.payload = b[head : head+int(size)]
	return f, head + int(size), nil
}

// record notes one received message: a load-test event's latency from
// its publish, and whether it came in order. It picks seq and sent_at_ns
// out of the message without decoding it.
func (c *wsConn) record(b []byte, now time.Time, received *atomic.Int64) {
	const prefix = `{"type":"event","topic":"`
	if !bytes.HasPrefix(b, []byte(prefix)) {
		return
	}
	// The topic holds no quote; seq follows it.
	end := bytes.IndexByte(b[len(prefix):], '"')
	if end < 0 {
		return
	}
	b = b[len(prefix)+end:]
	seq, at, ok1 := jsonInt(b, `"seq":`)
	sent, _, ok2 := jsonInt(b[at:], `"sent_at_ns":`)
	if !ok1 || !ok2 {
		return
	}
	if c.lastSeq != 0 && seq != c.lastSeq+1 {
		c.disorder++
	}
	c.lastSeq = seq
	c.lat = append(c.lat, time.Duration(now.UnixNano()-sent))
	received.Add(1)
}

// handleFrames handles the whole frames at the start of b and returns
// how many bytes they took; done reports that m events are in or the
// server closed.
func (c *wsConn) handleFrames(b []byte, m int, now time.Time, received *atomic.Int64) (used int, done bool, err error) {
	for {
		f, n, err := parseFrame(b[used:])
		if err != nil {
			return used, true, err
		}
		if n == 0 {
			return used, false, nil
		}
		used += n
		data, err := c.c.frame(f, &c.inMessage)
		if errors.Is(err, errWSClosed) {
			return used, true, nil
		}
		if err != nil {
			return used, true, err
		}
		if !data {
			continue
		}
		if !f.fin || len(c.msg) > 0 {
			c.msg = append(c.msg, f.payload...)
			if !f.fin {
				continue
			}
			f.payload, c.msg = c.msg, c.msg[:0]
		}
		c.record(f.payload, now, received)
		if len(c.lat) >= m {
			return used, true, nil
		}
	}
}

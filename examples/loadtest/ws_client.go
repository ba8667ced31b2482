package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// leanWS is the load generator's WebSocket client (RFC 6455, no
// extensions): the opening handshake on a plain TCP connection, masked
// text frames out, and the server's frames parsed in place from one
// buffered reader. Ten thousand of them share two cores with the server
// under test, so each costs as little CPU as a client can: one read
// syscall takes every frame that has arrived, and reading a frame
// allocates nothing.
type leanWS struct {
	conn net.Conn
	br   *bufio.Reader
	wmu  sync.Mutex // serialises frames written (the subscribe, pongs)
	out  io.Writer  // where frames go: conn, or the receiver's descriptor

	pending []byte // bytes read, not yet parsed into frames
	spare   []byte // pending's array, kept while pending is empty
}

// wsGUID is RFC 6455's handshake constant.
const wsGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

// maxLeanMessage bounds a message the lean client accepts.
const maxLeanMessage = 1 << 20

var errWSClosed = errors.New("websocket: closed by the server")

// dialLean opens a WebSocket to wsURL (ws:// only) with hdr added to the
// handshake request.
func dialLean(ctx context.Context, wsURL string, hdr http.Header) (*leanWS, error) {
	u, err := url.Parse(wsURL)
	if err != nil || u.Scheme != "ws" {
		return nil, fmt.Errorf("dial %q: want a ws:// URL", wsURL)
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", u.Host)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", u.Host, err)
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	ws, err := handshake(conn, u, hdr)
	if err != nil {
		_ = conn.Close()
		return nil, err
	}
	_ = conn.SetDeadline(time.Time{})
	return ws, nil
}

func handshake(conn net.Conn, u *url.URL, hdr http.Header) (*leanWS, error) {
	var nonce [16]byte
	_, _ = rand.Read(nonce[:])
	key := base64.StdEncoding.EncodeToString(nonce[:])
	req := &http.Request{Method: http.MethodGet, URL: u, Host: u.Host, Header: http.Header{
		"Upgrade": {"websocket"}, "Connection": {"Upgrade"},
		"Sec-Websocket-Key": {key}, "Sec-Websocket-Version": {"13"},
	}, ProtoMajor: 1, ProtoMinor: 1, Proto: "HTTP/1.1"}
	for k, v := range hdr {
		req.Header[k] = v
	}
	req.URL = &url.URL{Path: u.Path, RawQuery: u.RawQuery}
	if err := req.Write(conn); err != nil {
		return nil, fmt.Errorf("handshake: %w", err)
	}
	br := bufio.NewReaderSize(conn, 4096)
	resp, err := http.ReadResponse(br, req)
	if err != nil {
		return nil, fmt.Errorf("handshake: %w", err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusSwitchingProtocols {
		return nil, fmt.Errorf("handshake: status %s", resp.Status)
	}
	sum := sha1.Sum([]byte(key + wsGUID))
	if resp.Header.Get("Sec-WebSocket-Accept") != base64.StdEncoding.EncodeToString(sum[:]) {
		return nil, errors.New("handshake: wrong Sec-WebSocket-Accept")
	}
	if ext := resp.Header.Get("Sec-WebSocket-Extensions"); ext != "" {
		return nil, fmt.Errorf("handshake: unasked-for extensions %q", ext)
	}
	return &leanWS{conn: conn, br: br, out: conn}, nil
}

// WebSocket opcodes.
const (
	opContinuation = 0x0
	opText         = 0x1
	opBinary       = 0x2
	opClose        = 0x8
	opPing         = 0x9
	opPong         = 0xA
)

// writeText sends p as one masked text frame.
func (w *leanWS) writeText(p []byte) error { return w.writeFrame(opText, p) }

func (w *leanWS) writeFrame(op byte, p []byte) error {
	frame := make([]byte, 0, 14+len(p))
	frame = append(frame, 0x80|op)
	switch n := len(p); {
	case n < 126:
		frame = append(frame, 0x80|byte(n))
	case n <= 0xFFFF:
		frame = append(frame, 0x80|126)
		frame = binary.BigEndian.AppendUint16(frame, uint16(n))
	default:
		frame = append(frame, 0x80|127)
		frame = binary.BigEndian.AppendUint64(frame, uint64(n))
	}
	var mask [4]byte
	_, _ = rand.Read(mask[:])
	frame = append(frame, mask[:]...)
	start := len(frame)
	frame = append(frame, p...)
	for i := range frame[start:] {
		frame[start+i] ^= mask[i%4]
	}
	w.wmu.Lock()
	defer w.wmu.Unlock()
	_, err := w.out.Write(frame)
	return err
}

// read returns the next data message, appended to buf[:0]. It answers
// pings, skips pongs, and returns errWSClosed on a close frame.
func (w *leanWS) read(buf []byte) ([]byte, error) {
	msg := buf[:0]
	inMessage := false
	for {
		f, n, err := parseFrame(w.pending)
		if err != nil {
			return nil, err
		}
		if n == 0 {
			if err := w.fill(); err != nil {
				return nil, err
			}
			continue
		}
		data, err := w.frame(f, &inMessage)
		if err == nil && data {
			if len(msg)+len(f.payload) > maxLeanMessage {
				return nil, fmt.Errorf("websocket: message over %d bytes", maxLeanMessage)
			}
			msg = append(msg, f.payload...)
		}
		w.pending = w.pending[n:]
		if err != nil {
			return nil, err
		}
		if data && f.fin {
			return msg, nil
		}
	}
}

// fill reads what has arrived onto pending.
func (w *leanWS) fill() error {
	if len(w.pending) == 0 {
		w.pending = w.spare[:0]
	}
	if cap(w.pending)-len(w.pending) < 4096 {
		w.pending = append(w.pending, make([]byte, 4096)...)[:len(w.pending)]
	}
	n, err := w.br.Read(w.pending[len(w.pending):cap(w.pending)])
	w.pending = w.pending[:len(w.pending)+n]
	w.spare = w.pending[:0]
	if n > 0 {
		return nil
	}
	return err
}

// frame handles a control frame (a ping is answered, a pong skipped, a
// close ends the connection) and checks the order of data frames; data
// reports a data frame, whose payload belongs to the message.
func (w *leanWS) frame(f wireFrame, inMessage *bool) (data bool, err error) {
	switch f.op {
	case opPing:
		if !f.fin || len(f.payload) > 125 {
			return false, errors.New("websocket: bad control frame")
		}
		return false, w.writeFrame(opPong, f.payload)
	case opPong:
		return false, nil
	case opClose:
		return false, errWSClosed
	case opText, opBinary:
		if *inMessage {
			return false, errors.New("websocket: new message inside a fragmented one")
		}
	case opContinuation:
		if !*inMessage {
			return false, errors.New("websocket: continuation without a message")
		}
	default:
		return false, fmt.Errorf("websocket: unknown opcode %#x", f.op)
	}
	*inMessage = !f.fin
	return true, nil
}

// close ends the connection without a closing handshake.
func (w *leanWS) close() error { return w.conn.Close() }

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
		var hdr [2]byte
		if _, err := io.ReadFull(w.br, hdr[:]); err != nil {
			return nil, err
		}
		fin, op := hdr[0]&0x80 != 0, hdr[0]&0x0F
		if hdr[0]&0x70 != 0 {
			return nil, errors.New("websocket: reserved bits set")
		}
		if hdr[1]&0x80 != 0 {
			return nil, errors.New("websocket: masked frame from the server")
		}
		n := uint64(hdr[1] & 0x7F)
		switch n {
		case 126:
			var ext [2]byte
			if _, err := io.ReadFull(w.br, ext[:]); err != nil {
				return nil, err
			}
			n = uint64(binary.BigEndian.Uint16(ext[:]))
		case 127:
			var ext [8]byte
			if _, err := io.ReadFull(w.br, ext[:]); err != nil {
				return nil, err
			}
			n = binary.BigEndian.Uint64(ext[:])
		}
		if n > maxLeanMessage || uint64(len(msg))+n > maxLeanMessage {
			return nil, fmt.Errorf("websocket: message over %d bytes", maxLeanMessage)
		}
		switch op {
		case opPing, opPong, opClose:
			if !fin || n > 125 {
				return nil, errors.New("websocket: bad control frame")
			}
			var ctl [125]byte
			if _, err := io.ReadFull(w.br, ctl[:n]); err != nil {
				return nil, err
			}
			switch op {
			case opPing:
				if err := w.writeFrame(opPong, ctl[:n]); err != nil {
					return nil, err
				}
			case opClose:
				return nil, errWSClosed
			}
			continue
		case opText, opBinary:
			if inMessage {
				return nil, errors.New("websocket: new message inside a fragmented one")
			}
			inMessage = true
		case opContinuation:
			if !inMessage {
				return nil, errors.New("websocket: continuation without a message")
			}
		default:
			return nil, fmt.Errorf("websocket: unknown opcode %#x", op)
		}
		start := len(msg)
		msg = growTo(msg, start+int(n))
		if _, err := io.ReadFull(w.br, msg[start:]); err != nil {
			return nil, err
		}
		if fin {
			return msg, nil
		}
	}
}

// growTo returns b resliced to n bytes, reallocated when too small.
func growTo(b []byte, n int) []byte {
	if n <= cap(b) {
		return b[:n]
	}
	nb := make([]byte, n, max(n, 2*cap(b)))
	copy(nb, b)
	return nb
}

// close ends the connection without a closing handshake.
func (w *leanWS) close() error { return w.conn.Close() }

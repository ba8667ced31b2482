package httpapi

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
)

const headerRequestID = "X-Request-Id"

// maxRequestIDLen bounds an accepted incoming request id.
const maxRequestIDLen = 128

// requestID returns the request's incoming X-Request-Id when it is sane
// (1 to 128 characters of letters, digits and -_.:), or a new UUID.
func requestID(r *http.Request) string {
	if id := r.Header.Get(headerRequestID); validRequestID(id) {
		return id
	}
	return newRequestID()
}

// newRequestID returns a random version-4 UUID in its 36-character text
// form, with one allocation (the string).
func newRequestID() string {
	var u [16]byte
	_, _ = rand.Read(u[:])  // crypto/rand.Read never fails
	u[6] = u[6]&0x0f | 0x40 // version 4
	u[8] = u[8]&0x3f | 0x80 // RFC 9562 variant
	var b [36]byte
	hex.Encode(b[0:8], u[0:4])
	b[8] = '-'
	hex.Encode(b[9:13], u[4:6])
	b[13] = '-'
	hex.Encode(b[14:18], u[6:8])
	b[18] = '-'
	hex.Encode(b[19:23], u[8:10])
	b[23] = '-'
	hex.Encode(b[24:], u[10:])
	return string(b[:])
}

func validRequestID(id string) bool {
	if id == "" || len(id) > maxRequestIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9',
			c == '-', c == '_', c == '.', c == ':':
		default:
			return false
		}
	}
	return true
}

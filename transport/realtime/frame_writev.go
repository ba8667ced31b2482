//go:build darwin || linux || openbsd

package realtime

import (
	"errors"
	"syscall"

	"golang.org/x/sys/unix"
)

// maxIovecs is how many buffers one writev takes (IOV_MAX is 1024).
const maxIovecs = 1024

// writevNow writes frames to fd with writev, without waiting for the
// socket: it returns the bytes written before the socket was full.
func writevNow(fd uintptr, frames [][]byte) (int, error) {
	total := 0
	for len(frames) > 0 {
		chunk := frames[:min(len(frames), maxIovecs)]
		n, err := unix.Writev(int(fd), chunk)
		if errors.Is(err, syscall.EINTR) {
			continue
		}
		if errors.Is(err, syscall.EAGAIN) {
			return total, nil
		}
		if err != nil {
			return total, err
		}
		total += n
		size := 0
		for _, b := range chunk {
			size += len(b)
		}
		if n < size {
			return total, nil // the socket is full
		}
		frames = frames[len(chunk):]
	}
	return total, nil
}

// canWriteNow reports whether writevNow works on this platform.
const canWriteNow = true

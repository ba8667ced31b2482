//go:build !(darwin || linux || openbsd)

package realtime

import "errors"

// writevNow is not available here: the hub's writer goroutines send every
// batch instead.
func writevNow(uintptr, [][]byte) (int, error) { return 0, errors.New("writev is not supported") }

// canWriteNow reports whether writevNow works on this platform.
const canWriteNow = false

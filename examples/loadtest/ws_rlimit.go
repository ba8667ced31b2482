//go:build unix

package main

import "syscall"

// raiseFileLimit lifts the open-file soft limit to the hard limit, for
// tens of thousands of sockets; failures leave it as it was.
func raiseFileLimit() {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		return
	}
	if l.Cur < l.Max {
		l.Cur = l.Max
		_ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &l)
	}
}

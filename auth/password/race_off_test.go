//go:build !race

package password_test

// raceEnabled reports a -race build, where bcrypt at cost 12 takes seconds.
const raceEnabled = false

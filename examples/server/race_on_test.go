//go:build race

package main

// raceEnabled: the tests were built with -race, and so is the binary they
// build (it then reuses the packages they compiled).
const raceEnabled = true

// Package crewtest holds in-memory implementations of the crew's ports
// (RunStore, Sink) for tests and for embedders who want to run the crew
// without a database, plus an LLM wrapper that lets a test pause or break
// the writer.
package crewtest

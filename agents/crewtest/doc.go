// Package crewtest holds in-memory implementations of the crew's ports
// (RunStore, Sink) for tests and for embedders who want to run the crew
// without a database, plus an LLM wrapper that lets a test pause or break
// the writer. Sink counts its writes, for tests of the crew alone; to run
// the crew into real campaigns without a database, give it
// outreach.NewSink over a campaign.Service on the campaign/campaignmem
// stores (ExampleRunner_Execute in agents does).
package crewtest

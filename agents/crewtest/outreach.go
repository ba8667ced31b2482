package crewtest

import (
	"fmt"

	"github.com/kpbot/kpbot/agents"
	"github.com/kpbot/kpbot/agents/analyst"
	"github.com/kpbot/kpbot/agents/research"
	"github.com/kpbot/kpbot/agents/web"
	"github.com/kpbot/kpbot/agents/writer"
)

// Outreach assembles the outreach crew's members from a web fetcher, an
// LLM and a sink, with default settings, as a program would.
func Outreach(f *web.Fetcher, llm agents.LLM, sink agents.Sink) (agents.Members, error) {
	res, err := research.New(f, nil, research.Config{})
	if err != nil {
		return agents.Members{}, fmt.Errorf("outreach: %w", err)
	}
	an, err := analyst.New(f, analyst.Config{})
	if err != nil {
		return agents.Members{}, fmt.Errorf("outreach: %w", err)
	}
	wr, err := writer.New(llm, writer.Config{})
	if err != nil {
		return agents.Members{}, fmt.Errorf("outreach: %w", err)
	}
	return agents.Members{Researcher: res, Analyst: an, Writer: wr, Sink: sink}, nil
}

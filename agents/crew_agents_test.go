package agents_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/agents"
	"github.com/kpbot/kpbot/agents/crewtest"
)

// TestOutreachCrewAgents: the crew lists its own agents, in the order
// they work, the writer with the crew's model, each agent once; the list
// is a copy.
func TestOutreachCrewAgents(t *testing.T) {
	t.Parallel()
	m, err := crewtest.Outreach(newFetcher(t), offlineLLM(t), crewtest.NewSink())
	require.NoError(t, err)
	m.Model = "test-model-1"
	crew, err := agents.OutreachCrew(m)
	require.NoError(t, err)

	list := crew.Agents()
	var names []string
	for _, a := range list {
		names = append(names, a.Name)
		assert.NotEmpty(t, a.Role, a.Name)
		assert.NotEmpty(t, a.Goal, a.Name)
		assert.NotEmpty(t, a.Tools, a.Name)
	}
	require.Equal(t, []string{agents.AgentBlogResearcher, agents.AgentContentAnalyst, agents.AgentCommentWriter, agents.AgentQualityReviewer}, names)
	assert.Equal(t, "test-model-1", list[2].Model)
	assert.Empty(t, list[0].Model)
	assert.Empty(t, list[3].Model)

	list[0].Tools[0] = "changed"
	list[2].Model = "changed"
	again := crew.Agents()
	assert.Equal(t, agents.BlogResearcher.Tools[0], again[0].Tools[0], "the list is a copy")
	assert.Equal(t, "test-model-1", again[2].Model)
	assert.Empty(t, agents.CommentWriter.Model, "the package's agent is not changed by a crew")

	// An agent named by two tasks is listed once.
	shared := agents.Agent{Name: "shared", Role: "r", Goal: "g"}
	other := agents.Agent{Name: "other", Role: "r", Goal: "g"}
	c := agents.Crew{Tasks: []agents.Task{{Name: "a", Agent: &shared}, {Name: "b", Agent: &shared, Assistants: []*agents.Agent{&other, &shared}}, {Name: "c"}}}
	var got []string
	for _, a := range c.Agents() {
		got = append(got, a.Name)
	}
	assert.Equal(t, []string{"shared", "other"}, got)
}

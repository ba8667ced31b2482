// Package budget keeps the model's spending within a daily limit for any
// agents.LLM adapter: Wrap decorates an LLM with an agents.Budget (Memory
// here, in one process; storage/bunstore.LLMSpend shared through the
// database) and refuses calls, with an error wrapping
// agents.ErrBudgetExceeded, once a campaign's tokens or dollars for the UTC
// day are spent. docs/recipes.md ("Swap the LLM adapter") shows where it
// is wired.
package budget

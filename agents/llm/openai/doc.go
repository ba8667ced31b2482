// Package openai is an agents.LLM adapter for any server that speaks the
// OpenAI chat completions API (OpenAI, Ollama, vLLM, llama.cpp's server,
// ...), over plain net/http. It retries 429 and 5xx answers with capped,
// jittered exponential backoff that honours Retry-After. WithBudget wraps
// any agents.LLM with an agents.Budget (MemoryBudget here, in-process;
// bunstore.LLMSpend shared through the database) that stops calls once a
// campaign's tokens or dollars for the UTC day are spent.
package openai

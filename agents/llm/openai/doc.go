// Package openai is an agents.LLM adapter for any server that speaks the
// OpenAI chat completions API (OpenAI, Ollama, vLLM, llama.cpp's server,
// ...), over plain net/http. It retries 429 and 5xx answers with capped,
// jittered exponential backoff that honours Retry-After. A daily budget
// is not this adapter's business: agents/llm/budget wraps any agents.LLM.
package openai

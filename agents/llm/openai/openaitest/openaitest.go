// Package openaitest serves a fake OpenAI-compatible chat completions
// endpoint over real HTTP, for benchmarks and load tests that need a model
// with a known answer time and no network.
package openaitest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"time"

	"github.com/kpbot/kpbot/agents"
)

// Server is a fake OpenAI-compatible chat completions server: each POST to
// /chat/completions is answered by an agents.LLM (e.g. the offline writer,
// so reviewers see realistic drafts) after a fixed latency. It counts its
// calls, the most it had in flight at once, and when the first call came.
type Server struct {
	// URL is the base URL to give an OpenAI client (no trailing slash).
	URL         string
	srv         *httptest.Server
	calls       atomic.Int64
	inFlight    atomic.Int64
	maxInFlight atomic.Int64
	first       atomic.Int64 // unix nanoseconds of the first call since ResetFirstCall
}

// NewServer starts a Server on a loopback port answering with gen after
// latency; Close stops it.
func NewServer(gen agents.LLM, latency time.Duration) *Server {
	s := &Server{}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.serve(w, r, gen, latency)
	}))
	s.URL = s.srv.URL
	return s
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request, gen agents.LLM, latency time.Duration) {
	if r.Method != http.MethodPost || r.URL.Path != "/chat/completions" {
		http.NotFound(w, r)
		return
	}
	s.calls.Add(1)
	s.first.CompareAndSwap(0, time.Now().UnixNano())
	n := s.inFlight.Add(1)
	defer s.inFlight.Add(-1)
	for {
		top := s.maxInFlight.Load()
		if n <= top || s.maxInFlight.CompareAndSwap(top, n) {
			break
		}
	}
	var req struct {
		Messages []agents.Message `json:"messages"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	resp, err := gen.Generate(r.Context(), agents.GenerateRequest{Messages: req.Messages})
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	select {
	case <-time.After(latency):
	case <-r.Context().Done():
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"model": "fake",
		"choices": []any{map[string]any{
			"message":       map[string]any{"role": "assistant", "content": resp.Content},
			"finish_reason": "stop",
		}},
		"usage": map[string]any{
			"prompt_tokens": resp.Usage.PromptTokens, "completion_tokens": resp.Usage.CompletionTokens,
			"total_tokens": resp.Usage.PromptTokens + resp.Usage.CompletionTokens,
		},
	})
}

// Calls is how many chat completions requests the server received.
func (s *Server) Calls() int64 { return s.calls.Load() }

// MaxInFlight is the most requests the server answered at once.
func (s *Server) MaxInFlight() int64 { return s.maxInFlight.Load() }

// FirstCall is when the first request came since NewServer or the last
// ResetFirstCall (the zero Unix time when none came).
func (s *Server) FirstCall() time.Time { return time.Unix(0, s.first.Load()) }

// ResetFirstCall forgets the first call, so FirstCall reports the next one.
func (s *Server) ResetFirstCall() { s.first.Store(0) }

// Close stops the server.
func (s *Server) Close() { s.srv.Close() }

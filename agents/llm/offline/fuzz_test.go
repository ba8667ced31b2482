package offline

import (
	"context"
	"errors"
	"testing"
	"unicode/utf8"

	"github.com/kpbot/kpbot/agents"
)

func FuzzGenerate(f *testing.F) {
	f.Add("Partial indexes", "The partial index on pending rows. Subscribe now!", "friendly", "too_short", 0)
	f.Add("", "x", "", "", 3)
	f.Add("“Quotes” — dashes", "A — b, c; d: e. F? G! \"h\" e.g. i.e. node.js ASP.NET", "casual", `"b"`, 1)
	g, err := New(Config{})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, title, text, tone, feedback string, attempt int) {
		pc := &agents.PostContext{Title: title, Text: text, Tone: tone, Feedback: []string{feedback}, Attempt: attempt}
		resp, err := g.Generate(context.Background(), agents.GenerateRequest{Post: pc})
		if err != nil {
			if !errors.Is(err, ErrNoText) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		if n := utf8.RuneCountInString(resp.Content); n > 700 || n == 0 {
			t.Fatalf("length %d", n)
		}
	})
}

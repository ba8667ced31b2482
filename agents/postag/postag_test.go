package postag_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/kpbot/kpbot/agents/postag"
)

func tagString(s string) string {
	words := strings.Fields(s)
	tags := postag.TagWords(words)
	out := make([]string, len(words))
	for i, w := range words {
		out[i] = strings.Trim(w, ",.;:!?") + "/" + tags[i].String()
	}
	return strings.Join(out, " ")
}

func TestTagWords(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"The build times dropped after we pinned the base image.": "The/DET build/NOUN times/NOUN dropped/VERB after/ADP we/PRON pinned/VERB the/DET base/NOUN image/NOUN",
		"Alice said the cache was warm.":                          "Alice/PROPN said/VERB the/DET cache/NOUN was/AUX warm/ADJ",
		"We want to build a faster pipeline with cached layers.":  "We/PRON want/VERB to/PART build/VERB a/DET faster/ADJ pipeline/NOUN with/ADP cached/ADJ layers/NOUN",
		"Moving workloads onto GPUs can tip the balance.":         "Moving/VERB workloads/NOUN onto/ADP GPUs/PROPN can/AUX tip/VERB the/DET balance/NOUN",
		"The caching of 40 pages took two seconds.":               "The/DET caching/NOUN of/ADP 40/NUM pages/NOUN took/VERB two/NUM seconds/NOUN",
		"Connection queues, not panels, are the real bottleneck.": "Connection/NOUN queues/NOUN not/PART panels/NOUN are/AUX the/DET real/ADJ bottleneck/NOUN",
		"She quickly rewrote the parser in Go.":                   "She/PRON quickly/ADV rewrote/VERB the/DET parser/NOUN in/ADP Go/PROPN",
		"Their runs finish sooner since the change.":              "Their/DET runs/NOUN finish/VERB sooner/ADV since/ADP the/DET change/NOUN",
		"The query planner estimates rows the way it does.":       "The/DET query/NOUN planner/NOUN estimates/VERB rows/NOUN the/DET way/NOUN it/PRON does/AUX",
		"The team ships the fix.":                                 "The/DET team/NOUN ships/VERB the/DET fix/NOUN",
	}
	for in, want := range cases {
		assert.Equal(t, want, tagString(in), in)
	}
}

func TestIsNounPhrase(t *testing.T) {
	t.Parallel()
	sentence := "Once Alice said the shared remote cache helped, our build times dropped by 40 percent quickly."
	words := strings.Fields(sentence)
	tags := postag.TagWords(words)
	find := func(phrase string) (int, int) {
		p := strings.Fields(phrase)
		for i := 0; i+len(p) <= len(words); i++ {
			ok := true
			for k, w := range p {
				if strings.Trim(words[i+k], ",.") != w {
					ok = false
				}
			}
			if ok {
				return i, i + len(p)
			}
		}
		t.Fatalf("%q not in the sentence", phrase)
		return 0, 0
	}
	for phrase, want := range map[string]bool{
		"shared remote cache": true,
		"remote cache":        true,
		"build times":         true,
		"Alice":               true,
		"Alice said":          false, // a name and a verb
		"shared remote":       false, // cut before its noun
		"build":               false, // cut from "build times"
		"40 percent":          false, // a number
		"percent quickly":     false,
		"cache helped":        false,
		"times dropped":       false,
	} {
		i, j := find(phrase)
		assert.Equal(t, want, postag.IsNounPhrase(words, tags, i, j), phrase)
	}
}

func TestBroken(t *testing.T) {
	t.Parallel()
	broken := []string{
		"Did your take on caching change once Alice said came into play, or did it hold up?",
		"That said, I am not fully convinced, since GPU workloads onto can tip the balance the other way.",
		`The part where you write "moving the heavy workloads onto" got me thinking.`,
		"I would add that the of matters here.",
	}
	for _, s := range broken {
		assert.NotEmpty(t, postag.Broken(s), s)
	}
	fine := []string{
		"Did your take on the remote cache change once build times came into play, or did it hold up?",
		"That said, I am not fully convinced that leaning on pinned images is always the right call, since cold caches can tip the balance the other way.",
		`The part where you write "the slowest shard now finishes within ninety seconds of the fastest" got me thinking about test splitting again.`,
		"Your point about all the flags stuck with me. What would you do differently about flag owners if you started over today?",
		"I had not looked at connection queues quite this way before. It is a useful framing for anyone weighing grid upgrades.",
		`"Tougher surface, and spot repairs blend in" is the line I keep coming back to. Either way, this gave me a few things to try for a while.`,
	}
	for _, s := range fine {
		assert.Empty(t, postag.Broken(s), s)
	}
}

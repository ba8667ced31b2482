package agents_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/kpbot/kpbot/agents"
)

func TestDraftLanguageAndName(t *testing.T) {
	t.Parallel()
	cases := []struct{ campaign, post, want string }{
		{"any", "fr", "fr"},
		{"", "de-DE", "de-DE"},
		{"es", "", "es"},
		{"any", "", ""},
		{"", "", ""},
		{"en", "pt-BR", "pt-BR"},
	}
	for _, tc := range cases {
		got := agents.DraftLanguage(agents.Brief{Language: tc.campaign}, agents.ProspectResult{Language: tc.post})
		assert.Equal(t, tc.want, got, "%+v", tc)
	}
	assert.Equal(t, "Hebrew (he)", agents.LanguageName("he"))
	assert.Equal(t, "Portuguese (pt_BR)", agents.LanguageName("pt_BR"))
	assert.Equal(t, "x-klingon", agents.LanguageName("x-klingon"))
}

package campaign_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/agents"
	"github.com/kpbot/kpbot/campaign"
)

var t0 = time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)

func validInput() campaign.CreateInput {
	return campaign.CreateInput{Name: "Go blogs", Keywords: []string{"go", "sqlite"}}
}

func TestNewDefaultsAndNormalizes(t *testing.T) {
	t.Parallel()
	in := campaign.CreateInput{
		Name:     "  Go blogs  ",
		Keywords: []string{" Go ", "SQLite", "go", "sqlite", "PostgreSQL"},
		SeedURLs: []string{" https://a.example/ ", "http://b.example/feed.xml", "https://a.example/"},
		Topics:   []string{"databases", "Databases"},
	}
	c, err := campaign.New("owner-1", in, t0.In(time.FixedZone("X", 3600)))
	require.NoError(t, err)
	assert.NotEmpty(t, c.ID)
	assert.Equal(t, "owner-1", c.OwnerID)
	assert.Equal(t, "Go blogs", c.Name)
	assert.Equal(t, []string{"Go", "SQLite", "PostgreSQL"}, c.Keywords, "trimmed, first spelling kept, case-insensitive dedupe")
	assert.Equal(t, []string{"https://a.example/", "http://b.example/feed.xml"}, c.SeedURLs)
	assert.Equal(t, []string{"databases"}, c.Topics)
	assert.Equal(t, agents.DefaultMaxProspects, c.MaxProspects)
	assert.Equal(t, 50, c.MaxProspects, "the default POST /api/campaigns documents")
	assert.Equal(t, campaign.DefaultLanguage, c.Language)
	assert.Equal(t, campaign.DefaultTone, c.Tone)
	assert.Equal(t, campaign.DefaultDailyDrafts, c.DailyDraftLimit)
	assert.Equal(t, campaign.CampaignActive, c.Status)
	assert.Equal(t, time.UTC, c.CreatedAt.Location())
	assert.True(t, c.CreatedAt.Equal(t0))

	other, err := campaign.New("owner-1", validInput(), t0)
	require.NoError(t, err)
	assert.NotEqual(t, c.ID, other.ID)
	assert.Less(t, c.ID, other.ID, "UUIDv7 IDs sort by creation")
}

func TestNewValidationPerField(t *testing.T) {
	t.Parallel()
	many := func(n int, f func(i int) string) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = f(i)
		}
		return out
	}
	word := func(i int) string {
		return "kw" + strings.Repeat("x", i%5) + string(rune('a'+i%26)) + string(rune('a'+i/26))
	}
	cases := []struct {
		name  string
		edit  func(*campaign.CreateInput)
		field string
	}{
		{"empty name", func(in *campaign.CreateInput) { in.Name = "   " }, "name"},
		{"long name", func(in *campaign.CreateInput) { in.Name = strings.Repeat("é", 201) }, "name"},
		{"control in name", func(in *campaign.CreateInput) { in.Name = "a\x00b" }, "name"},
		{"no keywords", func(in *campaign.CreateInput) { in.Keywords = nil }, "keywords"},
		{"51 keywords", func(in *campaign.CreateInput) { in.Keywords = many(51, word) }, "keywords"},
		{"blank keyword", func(in *campaign.CreateInput) { in.Keywords = []string{"go", "  "} }, "keywords[1]"},
		{"long keyword", func(in *campaign.CreateInput) { in.Keywords = []string{strings.Repeat("k", 101)} }, "keywords[0]"},
		{"relative seed", func(in *campaign.CreateInput) { in.SeedURLs = []string{"/blog"} }, "seed_urls[0]"},
		{"ftp seed", func(in *campaign.CreateInput) { in.SeedURLs = []string{"https://ok.example/", "ftp://x.example/"} }, "seed_urls[1]"},
		{"javascript seed", func(in *campaign.CreateInput) { in.SeedURLs = []string{"javascript:alert(1)"} }, "seed_urls[0]"},
		{"seed with credentials", func(in *campaign.CreateInput) { in.SeedURLs = []string{"https://u:p@x.example/"} }, "seed_urls[0]"},
		{"seed without host", func(in *campaign.CreateInput) { in.SeedURLs = []string{"https:///path"} }, "seed_urls[0]"},
		{"101 seeds", func(in *campaign.CreateInput) {
			in.SeedURLs = many(101, func(i int) string { return "https://x.example/" + word(i) })
		}, "seed_urls"},
		{"max_prospects 501", func(in *campaign.CreateInput) { in.MaxProspects = 501 }, "max_prospects"},
		{"max_prospects negative", func(in *campaign.CreateInput) { in.MaxProspects = -1 }, "max_prospects"},
		{"long tone", func(in *campaign.CreateInput) { in.Tone = strings.Repeat("t", 51) }, "tone"},
		{"bad language", func(in *campaign.CreateInput) { in.Language = "english!" }, "language"},
		{"long language", func(in *campaign.CreateInput) { in.Language = "en-abcdefgh-abcdefgh" }, "language"},
		{"long guidelines", func(in *campaign.CreateInput) { in.CommentGuidelines = strings.Repeat("g", 2001) }, "comment_guidelines"},
		{"daily limit negative", func(in *campaign.CreateInput) { in.DailyDraftLimit = -5 }, "daily_draft_limit"},
		{"51 topics", func(in *campaign.CreateInput) { in.Topics = many(51, word) }, "topics"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			in := validInput()
			tc.edit(&in)
			c, err := campaign.New("owner", in, t0)
			assert.Nil(t, c)
			var ve *campaign.ValidationError
			require.ErrorAs(t, err, &ve)
			assert.Equal(t, tc.field, ve.Field)
			assert.NotEmpty(t, ve.Message)
		})
	}
}

func TestNewAcceptsBounds(t *testing.T) {
	t.Parallel()
	in := campaign.CreateInput{
		Name:              strings.Repeat("n", 200),
		Keywords:          []string{strings.Repeat("k", 100)},
		Tone:              "a warm, curious voice — like a colleague",
		Language:          "zh-Hant-TW",
		MaxProspects:      500,
		CommentGuidelines: strings.Repeat("g", 1990) + "\nline two",
	}
	c, err := campaign.New("owner", in, t0)
	require.NoError(t, err)
	assert.Equal(t, 500, c.MaxProspects)
	assert.Equal(t, "zh-Hant-TW", c.Language)
}

func TestNewReportsEveryInvalidField(t *testing.T) {
	t.Parallel()
	_, err := campaign.New("owner", campaign.CreateInput{Name: "", Keywords: nil, MaxProspects: 9999, Language: "?"}, t0)
	require.Error(t, err)
	var fields []string
	for _, ve := range campaign.ValidationErrors(err) {
		fields = append(fields, ve.Field)
	}
	assert.ElementsMatch(t, []string{"name", "keywords", "max_prospects", "language"}, fields)
	assert.Nil(t, campaign.ValidationErrors(nil))
}

func TestPatch(t *testing.T) {
	t.Parallel()
	c, err := campaign.New("owner", validInput(), t0)
	require.NoError(t, err)
	before := *c

	require.NoError(t, c.Patch(campaign.PatchInput{}, t0.Add(time.Hour)))
	assert.Equal(t, before.Name, c.Name, "nil fields stay")
	assert.Equal(t, before.Keywords, c.Keywords)

	name, tone, maxP, links := " New name ", "casual", 10, true
	kw := []string{"bun", "BUN", "river"}
	archived := campaign.CampaignArchived
	later := t0.Add(2 * time.Hour)
	require.NoError(t, c.Patch(campaign.PatchInput{Name: &name, Keywords: &kw, Tone: &tone,
		MaxProspects: &maxP, AllowLinks: &links, Status: &archived}, later))
	assert.Equal(t, "New name", c.Name)
	assert.Equal(t, []string{"bun", "river"}, c.Keywords)
	assert.Equal(t, "casual", c.Tone)
	assert.Equal(t, 10, c.MaxProspects)
	assert.True(t, c.AllowLinks)
	assert.Equal(t, campaign.CampaignArchived, c.Status)
	assert.True(t, c.UpdatedAt.Equal(later))
	assert.True(t, c.CreatedAt.Equal(t0), "CreatedAt never changes")
	assert.Equal(t, before.ID, c.ID)

	// An invalid field changes nothing, not even the valid ones beside it.
	snapshot := *c
	good, zero, empty, bogus := "Fine", 0, []string{}, campaign.CampaignStatus("deleted")
	err = c.Patch(campaign.PatchInput{Name: &good, MaxProspects: &zero, Keywords: &empty, Status: &bogus}, t0.Add(3*time.Hour))
	var fields []string
	for _, ve := range campaign.ValidationErrors(err) {
		fields = append(fields, ve.Field)
	}
	assert.ElementsMatch(t, []string{"max_prospects", "keywords", "status"}, fields)
	assert.Equal(t, snapshot, *c)
}

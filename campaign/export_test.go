package campaign_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/campaign"
)

func TestWriteCSVDefusesFormulas(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 11, 27, 12, 30, 0, 0, time.UTC)
	rows := []campaign.ExportRow{
		{DraftID: "d1", Body: "=HYPERLINK(\"http://evil\",\"x\")", PostURL: "https://b.example/p", PostTitle: "+SUM(A1)",
			Site: "-1+2", ApprovedAt: at, ReviewedBy: "@mod"},
		{DraftID: "d2", Body: "Plain, with \"quotes\"\nand a newline", PostURL: "https://b.example/q", PostTitle: "Title",
			Site: "\tTabbed", ApprovedAt: at.In(time.FixedZone("X", 7200)), ReviewedBy: "m"},
	}
	var buf bytes.Buffer
	require.NoError(t, campaign.WriteCSV(&buf, rows))
	recs, err := csv.NewReader(&buf).ReadAll()
	require.NoError(t, err)
	require.Len(t, recs, 3)
	assert.Equal(t, campaign.ExportColumns, recs[0])
	assert.Equal(t, []string{"d1", "'=HYPERLINK(\"http://evil\",\"x\")", "https://b.example/p", "'+SUM(A1)",
		"'-1+2", "2026-11-27T12:30:00Z", "'@mod"}, recs[1])
	assert.Equal(t, []string{"d2", "Plain, with \"quotes\"\nand a newline", "https://b.example/q", "Title",
		"'\tTabbed", "2026-11-27T12:30:00Z", "m"}, recs[2])

	buf.Reset()
	require.NoError(t, campaign.WriteCSV(&buf, nil))
	assert.Equal(t, "draft_id,body,post_url,post_title,site,approved_at,reviewed_by\n", buf.String())
}

func TestWriteJSON(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	require.NoError(t, campaign.WriteJSON(&buf, nil))
	assert.JSONEq(t, "[]", buf.String())

	buf.Reset()
	at := time.Date(2026, 11, 27, 12, 30, 0, 0, time.UTC)
	require.NoError(t, campaign.WriteJSON(&buf, []campaign.ExportRow{{DraftID: "d1", Body: "=1+1", PostURL: "u",
		PostTitle: "t", Site: "s", ApprovedAt: at, ReviewedBy: "m"}}))
	var got []map[string]any
	require.NoError(t, json.Unmarshal(buf.Bytes(), &got))
	require.Len(t, got, 1)
	assert.Equal(t, map[string]any{"draft_id": "d1", "body": "=1+1", "post_url": "u", "post_title": "t",
		"site": "s", "approved_at": "2026-11-27T12:30:00Z", "reviewed_by": "m"}, got[0])
}

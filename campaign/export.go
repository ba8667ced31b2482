package campaign

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"time"
)

// ExportRow is one approved draft with the post it is for.
type ExportRow struct {
	DraftID    string    `json:"draft_id"`
	Body       string    `json:"body"`
	PostURL    string    `json:"post_url"`
	PostTitle  string    `json:"post_title"`
	Site       string    `json:"site"`
	ApprovedAt time.Time `json:"approved_at"`
	ReviewedBy string    `json:"reviewed_by"` // user ID of the approving moderator
}

// ExportColumns is the header row WriteCSV writes, in column order.
var ExportColumns = []string{"draft_id", "body", "post_url", "post_title", "site", "approved_at", "reviewed_by"}

// WriteCSV writes rows as RFC 4180 CSV with a header row. Cells that a
// spreadsheet would run as a formula (starting with = + - @, a tab or a
// carriage return) are prefixed with a single quote.
func WriteCSV(w io.Writer, rows []ExportRow) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(ExportColumns); err != nil {
		return fmt.Errorf("write CSV header: %w", err)
	}
	rec := make([]string, len(ExportColumns))
	for _, r := range rows {
		rec[0], rec[1], rec[2], rec[3] = r.DraftID, r.Body, r.PostURL, r.PostTitle
		rec[4], rec[5], rec[6] = r.Site, r.ApprovedAt.UTC().Format(time.RFC3339), r.ReviewedBy
		for i := range rec {
			rec[i] = defuseCell(rec[i])
		}
		if err := cw.Write(rec); err != nil {
			return fmt.Errorf("write CSV row %s: %w", r.DraftID, err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write CSV: %w", err)
	}
	return nil
}

// defuseCell neutralizes CSV formula injection (OWASP): a cell a
// spreadsheet would evaluate gets a leading single quote.
func defuseCell(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}

// WriteJSON writes rows as one JSON array ([] when there are none).
func WriteJSON(w io.Writer, rows []ExportRow) error {
	if rows == nil {
		rows = []ExportRow{}
	}
	if err := json.NewEncoder(w).Encode(rows); err != nil {
		return fmt.Errorf("write JSON export: %w", err)
	}
	return nil
}

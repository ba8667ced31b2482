package httpapi

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"reflect"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/kpbot/kpbot/campaign"
)

// Export media types.
const (
	exportCSVType  = "text/csv; charset=utf-8"
	exportJSONType = "application/json"
)

type exportInput struct {
	ID     string `path:"id" maxLength:"64" doc:"Campaign id."`
	Format string `query:"format" enum:"json,csv" default:"json" doc:"json (an array) or csv (RFC 4180 with a header row)."`
}

// exportOutput is the export file, written as is with its own type.
type exportOutput struct {
	ContentType        string `header:"Content-Type" doc:"application/json, or text/csv; charset=utf-8 for format=csv."`
	ContentDisposition string `header:"Content-Disposition" doc:"attachment; filename=\"campaign-<id>-approved.<csv|json>\""`
	CacheControl       string `header:"Cache-Control"`
	Body               []byte
}

func (s *Server) registerExport() {
	svc := s.deps.Campaigns
	rows := s.api.OpenAPI().Components.Schemas.Schema(reflect.TypeFor[[]campaign.ExportRow](), true, "")
	rows.Nullable = false // WriteJSON writes [] when there is nothing
	huma.Register(s.api, huma.Operation{
		OperationID: "export-comments", Method: http.MethodGet, Path: "/api/campaigns/{id}/comments/export", Tags: []string{"comments"},
		Summary: "Export a campaign's approved comments",
		Description: "The approved drafts with the URL and title of their post, in order of approval, as a download. " +
			"CSV cells a spreadsheet would run as a formula (starting with = + - @, tab or carriage return) are prefixed with a single quote. " +
			"Another user's campaign is 404 unless the caller is a moderator or admin.",
		Security: BearerSecurity(),
		Metadata: campaignsMeta(),
		Errors:   []int{http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound},
		Responses: map[string]*huma.Response{
			"200": {
				Description: "The approved drafts.",
				Content: map[string]*huma.MediaType{
					exportJSONType: {Schema: rows},
					"text/csv": {Schema: &huma.Schema{
						Type:        huma.TypeString,
						Description: "UTF-8 CSV with a header row; columns " + strings.Join(campaign.ExportColumns, ", ") + ".",
					}},
				},
			},
		},
	}, func(ctx context.Context, in *exportInput) (*exportOutput, error) {
		found, err := svc.ExportApproved(ctx, mustPrincipal(ctx), in.ID)
		if err != nil {
			return nil, s.Error(ctx, err)
		}
		var buf bytes.Buffer
		out := &exportOutput{CacheControl: "no-store"}
		if in.Format == "csv" {
			err = campaign.WriteCSV(&buf, found)
			out.ContentType = exportCSVType
		} else {
			err = campaign.WriteJSON(&buf, found)
			out.ContentType = exportJSONType
		}
		if err != nil {
			return nil, s.Error(ctx, fmt.Errorf("export campaign %s as %s: %w", in.ID, in.Format, err))
		}
		// The id is that of a stored campaign and the format one of the enum,
		// so the file name needs no escaping.
		out.ContentDisposition = fmt.Sprintf(`attachment; filename="campaign-%s-approved.%s"`, in.ID, in.Format)
		out.Body = buf.Bytes()
		return out, nil
	})
}

package httpapi

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/kpbot/kpbot/auth"
)

type listProspectsInput struct {
	ID     string `path:"id" maxLength:"64" doc:"Campaign id."`
	Limit  int    `query:"limit" minimum:"1" maximum:"200" default:"50" doc:"Page size."`
	Cursor string `query:"cursor" maxLength:"512" doc:"next_cursor of the previous page."`
}

type prospectListOutput struct{ Body ProspectList }

func (s *Server) registerProspects() {
	svc := s.deps.Campaigns
	huma.Register(s.api, huma.Operation{
		OperationID: "list-prospects", Method: http.MethodGet, Path: "/api/campaigns/{id}/prospects", Tags: []string{"campaigns"},
		Summary:     "List a campaign's prospects",
		Description: "The blog posts the crew found for the campaign, in the order found. Another user's campaign is 404 unless the caller is a moderator or admin.",
		Security:    BearerSecurity(),
		Metadata:    campaignsMeta(),
		Errors:      []int{http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound},
	}, func(ctx context.Context, in *listProspectsInput) (*prospectListOutput, error) {
		page, err := svc.ListProspects(ctx, mustPrincipal(ctx), in.ID, auth.ListParams{Limit: in.Limit, Cursor: in.Cursor})
		if err != nil {
			return nil, s.Error(ctx, err)
		}
		items := make([]ProspectResponse, len(page.Items))
		for i := range page.Items {
			items[i] = prospectResponse(&page.Items[i])
		}
		return &prospectListOutput{Body: ProspectList{Items: items, NextCursor: page.NextCursor}}, nil
	})
}

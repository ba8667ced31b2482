package httpapi

import (
	"context"
	"net/http"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/kpbot/kpbot/campaign"
)

type listProspectsInput struct {
	ID              string  `path:"id" maxLength:"64" doc:"Campaign id."`
	Limit           int     `query:"limit" minimum:"1" maximum:"200" default:"50" doc:"Page size."`
	Cursor          string  `query:"cursor" maxLength:"1024" doc:"next_cursor of the previous page (of the same sort)."`
	Sort            string  `query:"sort" enum:"found,-found,title,-title,published_at,-published_at,relevance,-relevance" default:"found" doc:"Order: found (the order found), title, published_at (unknown dates first) or relevance; a leading - reverses it. Ties are broken by the order found."`
	Search          string  `query:"q" maxLength:"200" doc:"Only prospects whose title, site or author contains this text, case-insensitively."`
	MinRelevance    float64 `query:"min_relevance" minimum:"0" maximum:"1" doc:"Only prospects at least this relevant."`
	AcceptsComments bool    `query:"accepts_comments" doc:"true: only posts that take comments."`
}

type prospectListOutput struct{ Body ProspectList }

func (s *Server) registerProspects() {
	svc := s.deps.Campaigns
	huma.Register(s.api, huma.Operation{
		OperationID: "list-prospects", Method: http.MethodGet, Path: "/api/campaigns/{id}/prospects", Tags: []string{"campaigns"},
		Summary: "List a campaign's prospects",
		Description: "The blog posts the crew found for the campaign, in the order found unless `sort` says otherwise, filtered by `q`, `min_relevance` and `accepts_comments`, with `total` the number matching. " +
			"Paging is by cursor (keyset): pass next_cursor with the same sort and filters. Another user's campaign is 404 unless the caller is a moderator or admin.",
		Security: BearerSecurity(),
		Metadata: campaignsMeta(),
		Errors:   []int{http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound},
	}, func(ctx context.Context, in *listProspectsInput) (*prospectListOutput, error) {
		sort, desc := strings.CutPrefix(in.Sort, "-")
		page, err := svc.QueryProspects(ctx, mustPrincipal(ctx), in.ID, campaign.ProspectQuery{
			Sort: campaign.ProspectSort(sort), Desc: desc, Search: in.Search, MinRelevance: in.MinRelevance,
			AcceptsComments: in.AcceptsComments, Limit: in.Limit, Cursor: in.Cursor,
		})
		if err != nil {
			return nil, s.Error(ctx, err)
		}
		items := make([]ProspectResponse, len(page.Items))
		for i := range page.Items {
			items[i] = prospectResponse(&page.Items[i])
		}
		out := ProspectList{Items: items, NextCursor: page.NextCursor}
		if page.Total >= 0 {
			out.Total = &page.Total
		}
		return &prospectListOutput{Body: out}, nil
	})
}

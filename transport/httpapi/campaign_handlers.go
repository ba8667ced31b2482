package httpapi

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/kpbot/kpbot/auth"
	"github.com/kpbot/kpbot/campaign"
	"github.com/kpbot/kpbot/storage"
)

// CampaignCreateRequest is a new campaign. Omitted optional fields take
// the defaults: language "any", tone "friendly", max_prospects 50,
// daily_draft_limit 100, allow_links false. Any other field is refused
// with 422. The schema's bounds are the domain's; the domain also trims
// and checks every value (URLs, language tags, control characters) and
// reports every bad field at once.
type CampaignCreateRequest struct {
	Name              string   `json:"name" maxLength:"200" doc:"1..200 characters after trimming."`
	Keywords          []string `json:"keywords" nullable:"false" minItems:"1" maxItems:"50" maxLength:"100" doc:"1..50 non-empty keywords of at most 100 characters; duplicates (in any case) are dropped."`
	SeedURLs          []string `json:"seed_urls,omitempty" nullable:"false" maxItems:"100" maxLength:"2048" doc:"Absolute http(s) URLs of blogs to start from."`
	Topics            []string `json:"topics,omitempty" nullable:"false" maxItems:"50" maxLength:"100"`
	Language          string   `json:"language,omitempty" maxLength:"16" doc:"Language tag such as en or pt-BR: only posts in that language are kept, and drafts are written in it. Default any: posts in every language, each drafted in its own."`
	Tone              string   `json:"tone,omitempty" maxLength:"50" doc:"friendly, professional, casual, enthusiastic, thoughtful, neutral or other free text; default friendly."`
	MaxProspects      int      `json:"max_prospects,omitempty" minimum:"1" maximum:"500" doc:"Prospects a run keeps; default 50."`
	CommentGuidelines string   `json:"comment_guidelines,omitempty" maxLength:"2000"`
	AllowLinks        bool     `json:"allow_links,omitempty" doc:"Whether drafts may contain links; default false."`
	DailyDraftLimit   int      `json:"daily_draft_limit,omitempty" minimum:"1" maximum:"10000" doc:"Drafts the crew may write per UTC day; default 100."`
}

// CampaignPatchRequest changes some of a campaign's fields. An absent
// field stays as it is, and so does a field sent as null (no field can be
// unset; send "" or [] to clear a text or list that may be empty).
// Present fields are validated as on create, but take no default.
type CampaignPatchRequest struct {
	Name              *string   `json:"name,omitempty" maxLength:"200"`
	Keywords          *[]string `json:"keywords,omitempty" minItems:"1" maxItems:"50" maxLength:"100"`
	SeedURLs          *[]string `json:"seed_urls,omitempty" maxItems:"100" maxLength:"2048"`
	Topics            *[]string `json:"topics,omitempty" maxItems:"50" maxLength:"100"`
	Language          *string   `json:"language,omitempty" maxLength:"16"`
	Tone              *string   `json:"tone,omitempty" maxLength:"50"`
	MaxProspects      *int      `json:"max_prospects,omitempty" minimum:"1" maximum:"500"`
	CommentGuidelines *string   `json:"comment_guidelines,omitempty" maxLength:"2000"`
	AllowLinks        *bool     `json:"allow_links,omitempty"`
	DailyDraftLimit   *int      `json:"daily_draft_limit,omitempty" minimum:"1" maximum:"10000"`
	Status            *string   `json:"status,omitempty" enum:"active,archived" doc:"archived keeps the campaign's prospects and drafts but is not meant to start runs."`
}

type createCampaignInput struct{ Body CampaignCreateRequest }

type listCampaignsInput struct {
	All    bool   `query:"all" doc:"Everyone's campaigns; moderators and admins only (403 for users)."`
	Limit  int    `query:"limit" minimum:"1" maximum:"200" default:"50" doc:"Page size."`
	Cursor string `query:"cursor" maxLength:"512" doc:"next_cursor of the previous page."`
}

type campaignIDInput struct {
	ID string `path:"id" maxLength:"64" doc:"Campaign id."`
}

type patchCampaignInput struct {
	ID   string `path:"id" maxLength:"64" doc:"Campaign id."`
	Body CampaignPatchRequest
}

type campaignOutput struct{ Body CampaignResponse }
type campaignListOutput struct{ Body CampaignList }

// campaignsMeta requires the permission every role has to own campaigns;
// the campaign service applies the finer ownership rules.
func campaignsMeta() map[string]any {
	return map[string]any{MetadataPermission: auth.PermCampaignsOwn}
}

// registerCampaigns registers the campaign, prospect, comment and export
// routes over Deps.Campaigns.
func (s *Server) registerCampaigns() {
	s.registerCampaignCRUD()
	s.registerProspects()
	s.registerComments()
	s.registerExport()
}

func (s *Server) registerCampaignCRUD() {
	svc := s.deps.Campaigns
	tags := []string{"campaigns"}
	huma.Register(s.api, huma.Operation{
		OperationID: "create-campaign", Method: http.MethodPost, Path: "/api/campaigns", Tags: tags,
		Summary:       "Create a campaign",
		Description:   "Creates a campaign owned by the caller. Every invalid field is listed in the 422 problem; unknown fields are refused.",
		DefaultStatus: http.StatusCreated,
		Security:      BearerSecurity(),
		Metadata:      campaignsMeta(),
		Errors: []int{http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden,
			http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType},
	}, func(ctx context.Context, in *createCampaignInput) (*campaignOutput, error) {
		b := in.Body
		c, err := svc.Create(ctx, mustPrincipal(ctx), campaign.CreateInput{
			Name: b.Name, Keywords: b.Keywords, SeedURLs: b.SeedURLs, Topics: b.Topics,
			Language: b.Language, Tone: b.Tone, MaxProspects: b.MaxProspects,
			CommentGuidelines: b.CommentGuidelines, AllowLinks: b.AllowLinks, DailyDraftLimit: b.DailyDraftLimit,
		})
		if err != nil {
			return nil, s.Error(ctx, err)
		}
		return &campaignOutput{Body: campaignResponse(c)}, nil
	})

	huma.Register(s.api, huma.Operation{
		OperationID: "list-campaigns", Method: http.MethodGet, Path: "/api/campaigns", Tags: tags,
		Summary:     "List campaigns",
		Description: "The caller's campaigns, newest first. Moderators and admins may pass all=true for everyone's; a user doing so gets 403.",
		Security:    BearerSecurity(),
		Metadata:    campaignsMeta(),
		Errors:      []int{http.StatusUnauthorized, http.StatusForbidden},
	}, func(ctx context.Context, in *listCampaignsInput) (*campaignListOutput, error) {
		page, err := svc.List(ctx, mustPrincipal(ctx), in.All, storage.ListParams{Limit: in.Limit, Cursor: in.Cursor})
		if err != nil {
			return nil, s.Error(ctx, err)
		}
		items := make([]CampaignResponse, len(page.Items))
		for i := range page.Items {
			items[i] = campaignResponse(&page.Items[i])
		}
		return &campaignListOutput{Body: CampaignList{Items: items, NextCursor: page.NextCursor}}, nil
	})

	huma.Register(s.api, huma.Operation{
		OperationID: "get-campaign", Method: http.MethodGet, Path: "/api/campaigns/{id}", Tags: tags,
		Summary:     "Get a campaign",
		Description: "Another user's campaign is 404 unless the caller is a moderator or admin.",
		Security:    BearerSecurity(),
		Metadata:    campaignsMeta(),
		Errors:      []int{http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound},
	}, func(ctx context.Context, in *campaignIDInput) (*campaignOutput, error) {
		c, err := svc.Get(ctx, mustPrincipal(ctx), in.ID)
		if err != nil {
			return nil, s.Error(ctx, err)
		}
		return &campaignOutput{Body: campaignResponse(c)}, nil
	})

	huma.Register(s.api, huma.Operation{
		OperationID: "update-campaign", Method: http.MethodPatch, Path: "/api/campaigns/{id}", Tags: tags,
		Summary: "Change a campaign",
		Description: "Partial update: absent fields, and fields sent as null, stay as they are (send \"\" or [] to clear a text or list that may be empty). " +
			"Only the owner and admins may change a campaign: a moderator changing someone else's gets 403, a user 404.",
		Security: BearerSecurity(),
		Metadata: campaignsMeta(),
		Errors: []int{http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound,
			http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType},
	}, func(ctx context.Context, in *patchCampaignInput) (*campaignOutput, error) {
		b := in.Body
		c, err := svc.Update(ctx, mustPrincipal(ctx), in.ID, campaign.PatchInput{
			Name: b.Name, Keywords: b.Keywords, SeedURLs: b.SeedURLs, Topics: b.Topics,
			Language: b.Language, Tone: b.Tone, MaxProspects: b.MaxProspects,
			CommentGuidelines: b.CommentGuidelines, AllowLinks: b.AllowLinks,
			DailyDraftLimit: b.DailyDraftLimit, Status: campaignStatus(b.Status),
		})
		if err != nil {
			return nil, s.Error(ctx, err)
		}
		return &campaignOutput{Body: campaignResponse(c)}, nil
	})

	huma.Register(s.api, huma.Operation{
		OperationID: "delete-campaign", Method: http.MethodDelete, Path: "/api/campaigns/{id}", Tags: tags,
		Summary:       "Delete a campaign",
		Description:   "Deletes the campaign with its runs, prospects and comment drafts. Owner and admins only (a moderator gets 403 on someone else's).",
		DefaultStatus: http.StatusNoContent,
		Security:      BearerSecurity(),
		Metadata:      campaignsMeta(),
		Errors:        []int{http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound},
	}, func(ctx context.Context, in *campaignIDInput) (*noContent, error) {
		if err := svc.Delete(ctx, mustPrincipal(ctx), in.ID); err != nil {
			return nil, s.Error(ctx, err)
		}
		return &noContent{}, nil
	})
}

// campaignStatus is a PATCH's status as the domain's type; nil stays nil.
func campaignStatus(s *string) *campaign.CampaignStatus {
	if s == nil {
		return nil
	}
	st := campaign.CampaignStatus(*s)
	return &st
}

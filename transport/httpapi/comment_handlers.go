package httpapi

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/kpbot/kpbot/campaign"
	"github.com/kpbot/kpbot/storage"
)

// CommentEditRequest replaces an unreviewed draft's body.
type CommentEditRequest struct {
	Body string `json:"body" maxLength:"5000" doc:"1..5000 characters after trimming; line breaks and tabs allowed."`
}

// CommentRejectRequest optionally says why a draft is rejected.
type CommentRejectRequest struct {
	Reason string `json:"reason,omitempty" maxLength:"500" doc:"Plain text, at most 500 characters."`
}

type listCommentsInput struct {
	ID     string `path:"id" maxLength:"64" doc:"Campaign id."`
	Status string `query:"status" enum:"draft,approved,rejected" doc:"Only drafts with this status; all when absent."`
	Limit  int    `query:"limit" minimum:"1" maximum:"200" default:"50" doc:"Page size."`
	Cursor string `query:"cursor" maxLength:"512" doc:"next_cursor of the previous page."`
}

type commentIDInput struct {
	ID string `path:"id" maxLength:"64" doc:"Comment draft id."`
}

type editCommentInput struct {
	ID   string `path:"id" maxLength:"64" doc:"Comment draft id."`
	Body CommentEditRequest
}

type rejectCommentInput struct {
	ID   string `path:"id" maxLength:"64" doc:"Comment draft id."`
	Body *CommentRejectRequest
}

type commentOutput struct{ Body CommentResponse }
type commentListOutput struct{ Body CommentList }

func (s *Server) registerComments() {
	svc := s.deps.Campaigns
	tags := []string{"comments"}
	huma.Register(s.api, huma.Operation{
		OperationID: "list-comments", Method: http.MethodGet, Path: "/api/campaigns/{id}/comments", Tags: tags,
		Summary:     "List a campaign's comment drafts",
		Description: "Oldest first, optionally only those with one status, each with its `prospect` (the post, without its text) for review. Another user's campaign is 404 unless the caller is a moderator or admin.",
		Security:    BearerSecurity(),
		Metadata:    campaignsMeta(),
		Errors:      []int{http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound},
	}, func(ctx context.Context, in *listCommentsInput) (*commentListOutput, error) {
		page, err := svc.ListDrafts(ctx, mustPrincipal(ctx), in.ID, campaign.DraftStatus(in.Status),
			storage.ListParams{Limit: in.Limit, Cursor: in.Cursor})
		if err != nil {
			return nil, s.Error(ctx, err)
		}
		posts, err := svc.ProspectsOf(ctx, mustPrincipal(ctx), in.ID, page.Items)
		if err != nil {
			return nil, s.Error(ctx, err)
		}
		items := make([]CommentResponse, len(page.Items))
		for i := range page.Items {
			items[i] = commentResponse(&page.Items[i])
			if pr, ok := posts[page.Items[i].ProspectID]; ok {
				v := prospectResponse(&pr)
				items[i].Prospect = &v
			}
		}
		return &commentListOutput{Body: CommentList{Items: items, NextCursor: page.NextCursor}}, nil
	})

	huma.Register(s.api, huma.Operation{
		OperationID: "get-comment", Method: http.MethodGet, Path: "/api/comments/{id}", Tags: tags,
		Summary:     "Get a comment draft",
		Description: "A draft of a campaign the caller cannot see is 404.",
		Security:    BearerSecurity(),
		Metadata:    campaignsMeta(),
		Errors:      []int{http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound},
	}, func(ctx context.Context, in *commentIDInput) (*commentOutput, error) {
		d, err := svc.GetDraft(ctx, mustPrincipal(ctx), in.ID)
		if err != nil {
			return nil, s.Error(ctx, err)
		}
		return &commentOutput{Body: commentResponse(d)}, nil
	})

	huma.Register(s.api, huma.Operation{
		OperationID: "edit-comment", Method: http.MethodPatch, Path: "/api/comments/{id}", Tags: tags,
		Summary: "Edit a comment draft",
		Description: "Replaces the body of an unreviewed draft; the previous body is kept in the draft's history. " +
			"The campaign's owner and admins only (a moderator gets 403 on someone else's); after approval or rejection 409. " +
			"A draft of a campaign the caller cannot see is 404.",
		Security: BearerSecurity(),
		Metadata: campaignsMeta(),
		Errors: []int{http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound, http.StatusConflict,
			http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType},
	}, func(ctx context.Context, in *editCommentInput) (*commentOutput, error) {
		d, err := svc.EditDraft(ctx, mustPrincipal(ctx), in.ID, in.Body.Body)
		if err != nil {
			return nil, s.Error(ctx, err)
		}
		return &commentOutput{Body: commentResponse(d)}, nil
	})

	// Approve and reject carry no permission metadata on purpose: the
	// service answers 404 for a draft the caller cannot see before it
	// answers 403 for a caller who may not review.
	huma.Register(s.api, huma.Operation{
		OperationID: "approve-comment", Method: http.MethodPost, Path: "/api/comments/{id}/approve", Tags: tags,
		Summary: "Approve a comment draft",
		Description: "Moderators and admins only: a user gets 403 on their own drafts and 404 on others'. " +
			"A draft can be reviewed once; a second approval or rejection is 409. No request body.",
		Security: BearerSecurity(),
		Errors:   []int{http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound, http.StatusConflict},
	}, func(ctx context.Context, in *commentIDInput) (*commentOutput, error) {
		d, err := svc.ApproveDraft(ctx, mustPrincipal(ctx), in.ID)
		if err != nil {
			return nil, s.Error(ctx, err)
		}
		return &commentOutput{Body: commentResponse(d)}, nil
	})

	huma.Register(s.api, huma.Operation{
		OperationID: "reject-comment", Method: http.MethodPost, Path: "/api/comments/{id}/reject", Tags: tags,
		Summary: "Reject a comment draft",
		Description: "Moderators and admins only, as approve. The body, with an optional reason, may be omitted. " +
			"A draft can be reviewed once; a second review is 409.",
		Security: BearerSecurity(),
		Errors: []int{http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound, http.StatusConflict,
			http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType},
	}, func(ctx context.Context, in *rejectCommentInput) (*commentOutput, error) {
		var reason string
		if in.Body != nil {
			reason = in.Body.Reason
		}
		d, err := svc.RejectDraft(ctx, mustPrincipal(ctx), in.ID, reason)
		if err != nil {
			return nil, s.Error(ctx, err)
		}
		return &commentOutput{Body: commentResponse(d)}, nil
	})
}

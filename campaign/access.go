package campaign

import "github.com/kpbot/kpbot/auth"

// The ownership rules of docs/contract.md, in one place:
//
//   - a user reads and changes only the campaigns they own, with everything
//     in them (prospects, drafts, runs), and edits their drafts while
//     unreviewed;
//   - a moderator also reads every campaign (auth.PermCampaignsReadAll) and
//     reviews every draft (auth.PermCommentsReview), but does not change
//     other people's campaigns or edit their drafts;
//   - an admin may do everything: read, change and delete every campaign,
//     edit any unreviewed draft, and review.
//
// The Service reports an object the caller cannot read as ErrNotFound and
// an object the caller can read but not change as ErrForbidden.

// CanRead reports whether p may see c and everything in it.
func CanRead(p *auth.Principal, c *Campaign) bool {
	if p == nil || p.User == nil || c == nil {
		return false
	}
	return c.OwnerID == p.User.ID || p.Can(auth.PermCampaignsReadAll)
}

// CanWrite reports whether p may change or delete c, start its runs and
// edit its drafts: its owner, and admins.
func CanWrite(p *auth.Principal, c *Campaign) bool {
	if p == nil || p.User == nil || c == nil {
		return false
	}
	return (c.OwnerID == p.User.ID && p.Can(auth.PermCampaignsOwn)) || p.Role() == auth.RoleAdmin
}

// CanReview reports whether p may approve and reject drafts (of any
// campaign it can read).
func CanReview(p *auth.Principal) bool {
	return p != nil && p.User != nil && p.Can(auth.PermCommentsReview)
}

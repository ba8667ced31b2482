// Package campaign is kpbot's outreach domain: campaigns, the prospects
// (blog posts) the crew finds for them, the comment drafts it writes, and
// the review workflow a person runs on those drafts.
//
// It imports no adapter. Storage is behind the small ports in ports.go
// (implemented by storage/bunstore and checked by storage/storetest); the
// HTTP layer calls the Service, whose use cases take the caller's
// *auth.Principal and apply the ownership rules of access.go: a user sees
// and changes only their own campaigns, moderators and admins read all and
// review every draft, admins also change every campaign, and an object the
// caller may not see is reported as ErrNotFound, never ErrForbidden.
package campaign

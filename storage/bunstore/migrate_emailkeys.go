package bunstore

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/uptrace/bun"

	"github.com/kpbot/kpbot/auth"
)

// fillEmailKeys is the Go step of the email_keys migration: it gives every
// existing user the email key and skeleton auth.StoredEmailKeys derives
// from the stored address, the oldest account first (created_at, then ID).
// It never fails on the data and never drops a user:
//
//   - an address that collides with an older account's key (straße and
//     strasse, or two that differ only by a zero-width space) keeps its
//     legacy key and skeleton (auth.LegacyEmailKey), so it still signs in
//     by the exact address it registered with, and nothing new can
//     register that looks like either;
//   - an address whose key is free but whose skeleton an older account
//     holds (a Cyrillic look-alike) keeps its key and takes its legacy
//     skeleton;
//   - an address that no longer passes auth.ParseEmail keeps its legacy
//     key and skeleton.
//
// Each of these is logged at Warn with the user IDs, never the addresses.
func fillEmailKeys(ctx context.Context, tx bun.Tx, log *slog.Logger) error {
	var rows []struct {
		ID    string `bun:"id"`
		Email string `bun:"email"`
	}
	if err := tx.NewSelect().TableExpr("kpbot_users").Column("id", "email").
		OrderExpr("created_at ASC, id ASC").Scan(ctx, &rows); err != nil {
		return fmt.Errorf("read users: %w", err)
	}
	keyOwner := make(map[string]string, len(rows))
	skelOwner := make(map[string]string, len(rows))
	for _, r := range rows {
		legacy := auth.LegacyEmailKey(r.Email)
		key, skel, ok := auth.StoredEmailKeys(r.Email)
		switch {
		case !ok:
			log.WarnContext(ctx, "kpbot migration: a stored email address fails the new rules; it keeps signing in by its exact address",
				"user_id", r.ID)
		case keyOwner[key] != "":
			log.WarnContext(ctx, "kpbot migration: two email addresses are one after normalisation; the newer account keeps signing in by its exact address",
				"user_id", r.ID, "older_user_id", keyOwner[key])
			key, skel = legacy, legacy
		case skelOwner[skel] != "":
			log.WarnContext(ctx, "kpbot migration: an email address looks like an older account's; both keep signing in, no further look-alike can register",
				"user_id", r.ID, "older_user_id", skelOwner[skel])
			skel = legacy
		}
		keyOwner[key], skelOwner[skel] = r.ID, r.ID
		if _, err := tx.NewUpdate().TableExpr("kpbot_users").
			Set("email_key = ?", key).Set("email_skeleton = ?", skel).
			Where("id = ?", r.ID).Exec(ctx); err != nil {
			return fmt.Errorf("set email key of user %s: %w", r.ID, err)
		}
	}
	return nil
}

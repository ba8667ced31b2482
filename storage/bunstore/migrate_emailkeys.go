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
// It never fails on the data and never drops a user; every account still
// signs in by the exact address it registered with:
//
//   - an address whose key an older account holds (straße beside strasse)
//     keeps its legacy key and skeleton (auth.LegacyEmailKey), which login
//     tries first, so it still signs in by its exact address while the
//     older account keeps the canonical key;
//   - an address whose skeleton an older account holds (a Cyrillic сосо
//     beside coco) keeps its own key and takes its legacy skeleton;
//   - an address auth.ParseEmail no longer accepts keeps its legacy key,
//     and takes the skeleton StoredEmailKeys gives it unless that is taken.
//
// Nothing new can register that looks like any of them. Each collision is
// logged at Warn with the user IDs, never the addresses.
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
		key, skel, canonical := auth.StoredEmailKeys(r.Email)
		if !canonical {
			log.WarnContext(ctx, "kpbot migration: a stored email address fails the new rules; it keeps signing in by its exact address",
				"user_id", r.ID)
		}
		if older := keyOwner[key]; older != "" {
			log.WarnContext(ctx, "kpbot migration: two email addresses are one after normalisation; the newer account keeps signing in by its exact address",
				"user_id", r.ID, "older_user_id", older)
			key, skel = legacy, legacy
		}
		if older := skelOwner[skel]; older != "" && skel != legacy {
			log.WarnContext(ctx, "kpbot migration: an email address looks like an older account's; both keep signing in, no further look-alike can register",
				"user_id", r.ID, "older_user_id", older)
			skel = legacy
		}
		if keyOwner[key] != "" || skelOwner[skel] != "" {
			// Two stored addresses with one legacy key: the old code stored
			// them trimmed and lower-cased, so this takes an address stored
			// by hand. Keep the user, unreachable by address, rather than
			// fail the migration.
			log.WarnContext(ctx, "kpbot migration: two stored email addresses are identical once trimmed and lower-cased; the newer account is kept but cannot sign in by address",
				"user_id", r.ID)
			key, skel = legacy+" #"+r.ID, legacy+" #"+r.ID
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

package bunstore_test

import (
	"testing"

	"github.com/uptrace/bun"

	"github.com/kpbot/kpbot/auth"
	"github.com/kpbot/kpbot/storage/bunstore"
	"github.com/kpbot/kpbot/storage/dbtest"
	"github.com/kpbot/kpbot/storage/storetest"
)

// TestAuthStores runs the conformance suite on SQLite and PostgreSQL, all
// scenarios of one database sharing it.
func TestAuthStores(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		storetest.TestAuthStores(t, func(*testing.T) (auth.UserStore, auth.SessionStore) {
			return bunstore.NewUsers(db), bunstore.NewSessions(db)
		})
	})
}

// TestAccountTokenStore runs the account token suite on SQLite and
// PostgreSQL.
func TestAccountTokenStore(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		storetest.TestAccountTokenStore(t, func(*testing.T) (auth.UserStore, auth.AccountTokenStore) {
			return bunstore.NewUsers(db), bunstore.NewAccountTokens(db)
		})
	})
}

package bunstore_test

import (
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/kpbot/kpbot/auth"
	"github.com/kpbot/kpbot/storage/bunstore"
	"github.com/kpbot/kpbot/storage/dbtest"
	"github.com/kpbot/kpbot/storage/storetest"
)

// TestNotificationStore runs the notification store suite on SQLite and
// PostgreSQL.
func TestNotificationStore(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		storetest.TestNotificationStore(t, func(*testing.T) storetest.NotificationFixture {
			return storetest.NotificationFixture{
				Notifications: bunstore.NewNotifications(db),
				NewUser:       func(t *testing.T) string { return newNotifiedUser(t, db) },
			}
		})
	})
}

func newNotifiedUser(t *testing.T, db *bun.DB) string {
	t.Helper()
	id := uuid.Must(uuid.NewV7()).String()
	at := time.Now().UTC().Truncate(time.Microsecond)
	require.NoError(t, bunstore.NewUsers(db).CreateUser(t.Context(), &auth.User{
		ID: id, Email: id + "@notify.example.test", Role: auth.RoleUser, PasswordHash: []byte("x"), CreatedAt: at, UpdatedAt: at,
	}))
	return id
}

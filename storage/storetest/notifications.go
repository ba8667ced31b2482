package storetest

import (
	"encoding/json"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/notify"
	"github.com/kpbot/kpbot/storage"
)

// NotificationFixture is what the notification store suite needs from an
// adapter.
type NotificationFixture struct {
	// Notifications is the store under test.
	Notifications notify.Store
	// NewUser creates a user notifications may reference and returns its ID.
	NewUser func(t *testing.T) string
}

// TestNotificationStore runs every notification store scenario against
// the fixtures newFixture returns (called once per scenario; they may
// share one database).
func TestNotificationStore(t *testing.T, newFixture func(t *testing.T) NotificationFixture) {
	t.Helper()
	scenarios := []struct {
		name string
		fn   func(t *testing.T, f NotificationFixture)
	}{
		{"CreateAndList", testNotificationCreateAndList},
		{"DuplicateID", testNotificationDuplicateID},
		{"ListPagingNewestFirst", testNotificationPaging},
		{"ListUnreadOnly", testNotificationUnreadOnly},
		{"InvalidCursor", testNotificationInvalidCursor},
		{"MarkReadOwnOnly", testNotificationMarkReadOwnOnly},
		{"MarkReadKeepsFirstReadAt", testNotificationMarkReadTwice},
		{"MarkAllRead", testNotificationMarkAllRead},
		{"MarkAllReadConcurrent", testNotificationMarkAllReadConcurrent},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			sc.fn(t, newFixture(t))
		})
	}
}

// newNotification returns an unsaved notification of userID with every
// field set; IDs are UUIDv7, so later ones sort after earlier ones.
func newNotification(userID string, i int) *notify.Notification {
	return &notify.Notification{
		ID: newID(), UserID: userID, Kind: notify.KindRunSucceeded, Title: "Run finished ✓",
		Body: "The run found 3 prospects.", Data: json.RawMessage(`{"run_id":"r","i":` + itoa(i) + `}`),
		CreatedAt: now().Add(time.Duration(i) * time.Millisecond),
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

func createNotifications(t *testing.T, f NotificationFixture, userID string, n int) []*notify.Notification {
	t.Helper()
	out := make([]*notify.Notification, n)
	for i := range out {
		out[i] = newNotification(userID, i)
		require.NoError(t, f.Notifications.Create(t.Context(), out[i]))
	}
	return out
}

func testNotificationCreateAndList(t *testing.T, f NotificationFixture) {
	user, other := f.NewUser(t), f.NewUser(t)
	want := createNotifications(t, f, user, 1)[0]
	createNotifications(t, f, other, 2)
	page, err := f.Notifications.List(t.Context(), user, notify.ListParams{})
	require.NoError(t, err)
	require.Len(t, page.Items, 1, "only the user's own notifications")
	got := page.Items[0]
	assert.Equal(t, want.ID, got.ID)
	assert.Equal(t, user, got.UserID)
	assert.Equal(t, want.Kind, got.Kind)
	assert.Equal(t, want.Title, got.Title)
	assert.Equal(t, want.Body, got.Body)
	assert.JSONEq(t, string(want.Data), string(got.Data))
	assert.Nil(t, got.ReadAt)
	assert.True(t, want.CreatedAt.Equal(got.CreatedAt), "created_at round-trips: %v vs %v", want.CreatedAt, got.CreatedAt)
	assert.Equal(t, time.UTC, got.CreatedAt.Location())
	assert.Empty(t, page.NextCursor)
}

func testNotificationDuplicateID(t *testing.T, f NotificationFixture) {
	user := f.NewUser(t)
	n := createNotifications(t, f, user, 1)[0]
	err := f.Notifications.Create(t.Context(), n)
	require.ErrorIs(t, err, storage.ErrConflict)
}

func testNotificationPaging(t *testing.T, f NotificationFixture) {
	user := f.NewUser(t)
	created := createNotifications(t, f, user, 7)
	var seen []string
	cursor := ""
	for range 10 {
		page, err := f.Notifications.List(t.Context(), user, notify.ListParams{Limit: 3, Cursor: cursor})
		require.NoError(t, err)
		require.LessOrEqual(t, len(page.Items), 3)
		for _, n := range page.Items {
			seen = append(seen, n.ID)
		}
		if page.NextCursor == "" {
			break
		}
		cursor = page.NextCursor
	}
	require.Len(t, seen, len(created), "every notification exactly once")
	for i, id := range seen {
		assert.Equal(t, created[len(created)-1-i].ID, id, "newest first")
	}
}

func testNotificationUnreadOnly(t *testing.T, f NotificationFixture) {
	user := f.NewUser(t)
	created := createNotifications(t, f, user, 4)
	_, err := f.Notifications.MarkRead(t.Context(), user, created[1].ID, now())
	require.NoError(t, err)
	page, err := f.Notifications.List(t.Context(), user, notify.ListParams{UnreadOnly: true})
	require.NoError(t, err)
	var ids []string
	for _, n := range page.Items {
		ids = append(ids, n.ID)
		assert.Nil(t, n.ReadAt)
	}
	assert.Equal(t, []string{created[3].ID, created[2].ID, created[0].ID}, ids)
	all, err := f.Notifications.List(t.Context(), user, notify.ListParams{})
	require.NoError(t, err)
	assert.Len(t, all.Items, 4)
}

func testNotificationInvalidCursor(t *testing.T, f NotificationFixture) {
	user := f.NewUser(t)
	for _, c := range []string{"%%%", "bm90LWEtY3Vyc29y"} {
		_, err := f.Notifications.List(t.Context(), user, notify.ListParams{Cursor: c})
		assert.ErrorIs(t, err, storage.ErrInvalidCursor, c)
	}
}

func testNotificationMarkReadOwnOnly(t *testing.T, f NotificationFixture) {
	user, other := f.NewUser(t), f.NewUser(t)
	n := createNotifications(t, f, user, 1)[0]
	_, err := f.Notifications.MarkRead(t.Context(), other, n.ID, now())
	require.ErrorIs(t, err, storage.ErrNotFound, "another user's notification is not found")
	_, err = f.Notifications.MarkRead(t.Context(), user, newID(), now())
	require.ErrorIs(t, err, storage.ErrNotFound)
	page, err := f.Notifications.List(t.Context(), user, notify.ListParams{UnreadOnly: true})
	require.NoError(t, err)
	require.Len(t, page.Items, 1, "the other user's attempt changed nothing")
	at := now()
	got, err := f.Notifications.MarkRead(t.Context(), user, n.ID, at)
	require.NoError(t, err)
	require.NotNil(t, got.ReadAt)
	assert.True(t, at.Equal(*got.ReadAt))
	assert.Equal(t, n.ID, got.ID)
}

func testNotificationMarkReadTwice(t *testing.T, f NotificationFixture) {
	user := f.NewUser(t)
	n := createNotifications(t, f, user, 1)[0]
	first := now()
	_, err := f.Notifications.MarkRead(t.Context(), user, n.ID, first)
	require.NoError(t, err)
	got, err := f.Notifications.MarkRead(t.Context(), user, n.ID, first.Add(time.Hour))
	require.NoError(t, err)
	require.NotNil(t, got.ReadAt)
	assert.True(t, first.Equal(*got.ReadAt), "the first read time stays")
}

func testNotificationMarkAllRead(t *testing.T, f NotificationFixture) {
	user, other := f.NewUser(t), f.NewUser(t)
	created := createNotifications(t, f, user, 5)
	createNotifications(t, f, other, 2)
	_, err := f.Notifications.MarkRead(t.Context(), user, created[0].ID, now())
	require.NoError(t, err)
	n, err := f.Notifications.MarkAllRead(t.Context(), user, now())
	require.NoError(t, err)
	assert.Equal(t, 4, n, "only the unread ones count")
	n, err = f.Notifications.MarkAllRead(t.Context(), user, now())
	require.NoError(t, err)
	assert.Zero(t, n)
	page, err := f.Notifications.List(t.Context(), user, notify.ListParams{UnreadOnly: true})
	require.NoError(t, err)
	assert.Empty(t, page.Items)
	page, err = f.Notifications.List(t.Context(), other, notify.ListParams{UnreadOnly: true})
	require.NoError(t, err)
	assert.Len(t, page.Items, 2, "another user's notifications stay unread")
}

func testNotificationMarkAllReadConcurrent(t *testing.T, f NotificationFixture) {
	user := f.NewUser(t)
	createNotifications(t, f, user, 6)
	var wg sync.WaitGroup
	counts := make([]int, 4)
	for i := range counts {
		wg.Go(func() {
			n, err := f.Notifications.MarkAllRead(t.Context(), user, now())
			assert.NoError(t, err)
			counts[i] = n
		})
	}
	wg.Wait()
	total := 0
	for _, c := range counts {
		total += c
	}
	assert.Equal(t, 6, total, "each notification is counted by exactly one caller")
}

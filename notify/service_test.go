package notify_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/kpbot/kpbot/agents"
	"github.com/kpbot/kpbot/auth"
	"github.com/kpbot/kpbot/events"
	"github.com/kpbot/kpbot/notify"
	"github.com/kpbot/kpbot/storage/bunstore"
	"github.com/kpbot/kpbot/storage/dbtest"
	"github.com/kpbot/kpbot/transport/eventbus"
)

type env struct {
	db   *bun.DB
	log  events.Log
	svc  *notify.Service
	now  time.Time
	user *auth.Principal
}

func newEnv(t *testing.T, db *bun.DB) *env {
	t.Helper()
	log := bunstore.NewEvents(db)
	at := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	pub, err := events.NewPublisher(log, eventbus.NewLocal())
	require.NoError(t, err)
	svc, err := notify.NewService(notify.Config{Now: func() time.Time { return at }}, bunstore.NewNotifications(db), pub)
	require.NoError(t, err)
	e := &env{db: db, log: log, svc: svc, now: at}
	e.user = e.newUser(t)
	return e
}

func (e *env) newUser(t *testing.T) *auth.Principal {
	t.Helper()
	id := uuid.Must(uuid.NewV7()).String()
	u := &auth.User{ID: id, Email: id + "@n.example.test", Role: auth.RoleUser, PasswordHash: []byte("x"), CreatedAt: e.now, UpdatedAt: e.now}
	require.NoError(t, bunstore.NewUsers(e.db).CreateUser(t.Context(), u))
	return &auth.Principal{User: u}
}

func TestNotifyStoresAndPublishesOnUserTopic(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		e := newEnv(t, db)
		n, err := e.svc.Notify(t.Context(), e.user.User.ID, notify.KindCommentReviewed, "Draft approved", "A moderator approved it.",
			map[string]string{"comment_id": "c1"})
		require.NoError(t, err)
		assert.True(t, e.now.Equal(n.CreatedAt))

		evs, err := e.log.After(t.Context(), events.UserTopic(e.user.User.ID), 0, 10)
		require.NoError(t, err)
		require.Len(t, evs, 1)
		assert.Equal(t, events.Notification, evs[0].Name)
		var data notify.EventData
		require.NoError(t, json.Unmarshal(evs[0].Data, &data))
		assert.Equal(t, n.ID, data.ID)
		assert.Equal(t, notify.KindCommentReviewed, data.Kind)
		assert.JSONEq(t, `{"comment_id":"c1"}`, string(data.Data))

		page, err := e.svc.List(t.Context(), e.user, notify.ListParams{UnreadOnly: true})
		require.NoError(t, err)
		require.Len(t, page.Items, 1)
		assert.Equal(t, n.ID, page.Items[0].ID)

		other := e.newUser(t)
		_, err = e.svc.MarkRead(t.Context(), other, n.ID)
		require.ErrorIs(t, err, notify.ErrNotFound)
		got, err := e.svc.MarkRead(t.Context(), e.user, n.ID)
		require.NoError(t, err)
		require.NotNil(t, got.ReadAt)
		count, err := e.svc.MarkAllRead(t.Context(), e.user)
		require.NoError(t, err)
		assert.Zero(t, count)
	})
}

func TestNotifyValidates(t *testing.T) {
	t.Parallel()
	e := newEnv(t, dbtest.SQLite(t))
	uid := e.user.User.ID
	cases := []struct {
		name        string
		user        string
		kind        notify.Kind
		title, body string
		data        any
	}{
		{"no user", "", notify.KindRunFailed, "t", "", nil},
		{"no kind", uid, "", "t", "", nil},
		{"kind with space", uid, "run failed", "t", "", nil},
		{"no title", uid, notify.KindRunFailed, "", "", nil},
		{"bad data", uid, notify.KindRunFailed, "t", "", json.RawMessage(`{`)},
		{"long body", uid, notify.KindRunFailed, "t", string(make([]rune, notify.MaxBodyRunes+1)), nil},
	}
	for _, c := range cases {
		_, err := e.svc.Notify(t.Context(), c.user, c.kind, c.title, c.body, c.data)
		assert.ErrorIs(t, err, notify.ErrInvalid, c.name)
	}
	last, err := e.log.Last(t.Context(), events.UserTopic(uid))
	require.NoError(t, err)
	assert.Zero(t, last, "nothing published for refused notifications")
}

// sinkFunc adapts a function to agents.EventSink.
type sinkFunc func(ctx context.Context, runID, campaignID, name string, data any) error

func (f sinkFunc) Emit(ctx context.Context, runID, campaignID, name string, data any) error {
	return f(ctx, runID, campaignID, name, data)
}

func TestRunNotifierForwardsAndNotifiesOwner(t *testing.T) {
	t.Parallel()
	e := newEnv(t, dbtest.SQLite(t))
	var forwarded []string
	next := sinkFunc(func(_ context.Context, _, _, name string, _ any) error {
		forwarded = append(forwarded, name)
		return nil
	})
	_, err := notify.NewRunNotifier(next, nil)
	require.Error(t, err, "the service is required")
	sink, err := notify.NewRunNotifier(next, e.svc)
	require.NoError(t, err)
	owner := e.user.User.ID
	ctx := t.Context()
	require.NoError(t, sink.Emit(ctx, "run-1", "camp-1", agents.EventRunStarted, agents.RunEventData{RunID: "run-1", OwnerID: owner}))
	require.NoError(t, sink.Emit(ctx, "run-1", "camp-1", agents.EventRunProgress, agents.ProgressData{RunID: "run-1"}))
	require.NoError(t, sink.Emit(ctx, "run-1", "camp-1", agents.EventRunSucceeded,
		agents.RunEventData{RunID: "run-1", OwnerID: owner, Status: agents.RunSucceeded, Stats: agents.Stats{Prospects: 4, Drafts: 3}}))
	require.NoError(t, sink.Emit(ctx, "run-2", "camp-1", agents.EventRunFailed,
		&agents.RunEventData{RunID: "run-2", OwnerID: owner, Status: agents.RunFailed, Error: "seed unreachable", FailureKind: agents.FailureInternal}))
	assert.Equal(t, []string{agents.EventRunStarted, agents.EventRunProgress, agents.EventRunSucceeded, agents.EventRunFailed}, forwarded)

	page, err := e.svc.List(ctx, e.user, notify.ListParams{})
	require.NoError(t, err)
	require.Len(t, page.Items, 2, "one notification per finished run")
	failed, succeeded := page.Items[0], page.Items[1]
	assert.Equal(t, notify.KindRunFailed, failed.Kind)
	assert.Contains(t, failed.Body, "seed unreachable")
	assert.Equal(t, notify.KindRunSucceeded, succeeded.Kind)
	assert.Contains(t, succeeded.Body, "4 prospects")
	var d notify.RunNotificationData
	require.NoError(t, json.Unmarshal(succeeded.Data, &d))
	assert.Equal(t, notify.RunNotificationData{RunID: "run-1", CampaignID: "camp-1", Status: "succeeded",
		Stats: agents.Stats{Prospects: 4, Drafts: 3}}, d)

	// The budget is recognised by the kind the run failed with, whatever
	// its message says; the notification keeps the kind.
	require.NoError(t, sink.Emit(ctx, "run-4", "camp-1", agents.EventRunFailed,
		agents.RunEventData{RunID: "run-4", OwnerID: owner, Status: agents.RunFailed, Error: "drafting: comment writer: daily tokens used",
			FailureKind: agents.FailureBudget}))
	page, err = e.svc.List(ctx, e.user, notify.ListParams{Limit: 1})
	require.NoError(t, err)
	require.Len(t, page.Items, 1)
	assert.Equal(t, notify.KindBudgetReached, page.Items[0].Kind, "a run stopped by the budget says so")
	assert.Contains(t, page.Items[0].Title, "budget")
	require.NoError(t, json.Unmarshal(page.Items[0].Data, &d))
	assert.Equal(t, agents.FailureBudget, d.FailureKind)
	assert.ErrorIs(t, d.Failure(), agents.ErrBudgetExceeded, "the error's identity survives to the notification")

	// A message that merely mentions the budget is not the budget.
	require.NoError(t, sink.Emit(ctx, "run-5", "camp-1", agents.EventRunFailed,
		agents.RunEventData{RunID: "run-5", OwnerID: owner, Status: agents.RunFailed, Error: "research: " + agents.ErrBudgetExceeded.Error(),
			FailureKind: agents.FailureResearch}))
	page, err = e.svc.List(ctx, e.user, notify.ListParams{Limit: 1})
	require.NoError(t, err)
	require.Len(t, page.Items, 1)
	assert.Equal(t, notify.KindRunFailed, page.Items[0].Kind)

	err = sink.Emit(ctx, "run-3", "camp-1", agents.EventRunCancelled, agents.RunEventData{RunID: "run-3"})
	require.ErrorIs(t, err, notify.ErrInvalid, "an event without its owner is reported")
	assert.Equal(t, agents.EventRunCancelled, forwarded[len(forwarded)-1], "and the event was still forwarded")
}

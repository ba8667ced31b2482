package realtime_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/agents"
	"github.com/kpbot/kpbot/auth"
	"github.com/kpbot/kpbot/campaign/outreach"
	"github.com/kpbot/kpbot/events"
	"github.com/kpbot/kpbot/notify"
	"github.com/kpbot/kpbot/storage/dbtest"
)

// call sends a request with the user's token and decodes a JSON answer.
func (in *instance) call(u *user, method, path string, out any) int {
	in.t.Helper()
	req, err := http.NewRequest(method, in.ts.URL+path, nil)
	require.NoError(in.t, err)
	req.Header.Set("Authorization", "Bearer "+u.token)
	res, err := in.ts.Client().Do(req)
	require.NoError(in.t, err)
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	require.NoError(in.t, err)
	if out != nil && res.StatusCode < 300 {
		require.NoError(in.t, json.Unmarshal(body, out), "body %s", body)
	}
	return res.StatusCode
}

type notificationList struct {
	Items []struct {
		ID     string          `json:"id"`
		Kind   string          `json:"kind"`
		Title  string          `json:"title"`
		Body   string          `json:"body"`
		Data   json.RawMessage `json:"data"`
		Read   bool            `json:"read"`
		ReadAt *time.Time      `json:"read_at"`
	} `json:"items"`
	NextCursor string `json:"next_cursor"`
}

// TestNotificationFlowEndToEnd: a run finishes through the crew's event
// sink; the owner's socket gets a notification event on "user", the
// notification endpoints list it unread, mark it read, and read-all
// marks the rest; another user cannot touch it.
func TestNotificationFlowEndToEnd(t *testing.T) {
	t.Parallel()
	in := newInstance(t, dbtest.SQLite(t))
	owner, other := in.newUser(auth.RoleUser), in.newUser(auth.RoleUser)
	camp := in.newCampaign(owner)
	run := in.newRun(owner, camp)

	c := in.dial(owner.token)
	subscribe(t, c, nil, "user", "run:"+run)
	readType(t, c, "subscribed", 5*time.Second)
	readType(t, c, "subscribed", 5*time.Second)

	published, err := outreach.NewRunEventPublisher(in.pub)
	require.NoError(t, err)
	sink, err := notify.NewRunNotifier(published, in.notify)
	require.NoError(t, err)
	ctx := context.Background()
	ownerID := owner.p.User.ID
	require.NoError(t, sink.Emit(ctx, run, camp, agents.EventRunStarted, agents.RunEventData{RunID: run, OwnerID: ownerID, Status: agents.RunRunning}))
	require.NoError(t, sink.Emit(ctx, run, camp, agents.EventRunSucceeded,
		agents.RunEventData{RunID: run, OwnerID: ownerID, Status: agents.RunSucceeded, Progress: 1, Stats: agents.Stats{Prospects: 5, Drafts: 2}}))

	var note msg
	var runEvents []string
	for note.Type == "" || len(runEvents) < 2 {
		m := readType(t, c, "event", 5*time.Second)
		if m.Topic == "user" {
			note = m
		} else {
			runEvents = append(runEvents, m.Event)
		}
	}
	assert.Equal(t, []string{events.RunStarted, events.RunSucceeded}, runEvents)
	assert.Equal(t, events.Notification, note.Event)
	assert.EqualValues(t, 1, note.Seq)
	var nd notify.EventData
	require.NoError(t, json.Unmarshal(note.Data, &nd))
	assert.Equal(t, notify.KindRunSucceeded, nd.Kind)
	assert.Contains(t, nd.Body, "5 prospects")

	var list notificationList
	require.Equal(t, http.StatusOK, in.call(owner, "GET", "/api/notifications?unread=true", &list))
	require.Len(t, list.Items, 1)
	assert.Equal(t, nd.ID, list.Items[0].ID)
	assert.False(t, list.Items[0].Read)
	assert.JSONEq(t, `{"run_id":"`+run+`","campaign_id":"`+camp+`","status":"succeeded","stats":`+statsJSON(t, agents.Stats{Prospects: 5, Drafts: 2})+`}`,
		string(list.Items[0].Data))

	assert.Equal(t, http.StatusNotFound, in.call(other, "POST", "/api/notifications/"+nd.ID+"/read", nil), "another user's is 404")
	var one struct {
		ID     string     `json:"id"`
		Read   bool       `json:"read"`
		ReadAt *time.Time `json:"read_at"`
	}
	require.Equal(t, http.StatusOK, in.call(owner, "POST", "/api/notifications/"+nd.ID+"/read", &one))
	assert.True(t, one.Read)
	assert.NotNil(t, one.ReadAt)
	require.Equal(t, http.StatusOK, in.call(owner, "GET", "/api/notifications?unread=true", &list))
	assert.Empty(t, list.Items)

	for range 3 {
		_, err := in.notify.Notify(ctx, owner.p.User.ID, notify.KindCommentReviewed, "Draft approved", "", nil)
		require.NoError(t, err)
	}
	var upd struct {
		Updated int `json:"updated"`
	}
	require.Equal(t, http.StatusOK, in.call(owner, "POST", "/api/notifications/read-all", &upd))
	assert.Equal(t, 3, upd.Updated)
	require.Equal(t, http.StatusOK, in.call(owner, "GET", "/api/notifications?limit=2", &list))
	assert.Len(t, list.Items, 2)
	assert.NotEmpty(t, list.NextCursor)
	for _, it := range list.Items {
		assert.True(t, it.Read)
	}
	require.Equal(t, http.StatusOK, in.call(other, "GET", "/api/notifications", &list))
	assert.Empty(t, list.Items, "users see only their own")
}

func statsJSON(t *testing.T, s agents.Stats) string {
	b, err := json.Marshal(s)
	require.NoError(t, err)
	return string(b)
}

type eventList struct {
	Items []struct {
		Type  string          `json:"type"`
		Topic string          `json:"topic"`
		Seq   int64           `json:"seq"`
		Event string          `json:"event"`
		Data  json.RawMessage `json:"data"`
	} `json:"items"`
	NextSince int64 `json:"next_since"`
}

// TestEventsFallback: GET /api/events pages through a topic with since,
// checks rights like the hub, and long-polls.
func TestEventsFallback(t *testing.T) {
	t.Parallel()
	in := newInstance(t, dbtest.SQLite(t))
	alice, bob := in.newUser(auth.RoleUser), in.newUser(auth.RoleUser)
	camp := in.newCampaign(alice)
	topic := "campaign:" + camp
	for i := range 5 {
		in.publish(events.RunProgress, map[string]int{"i": i}, topic)
	}
	var page eventList
	require.Equal(t, http.StatusOK, in.call(alice, "GET", "/api/events?topic="+topic+"&since=1&limit=3", &page))
	require.Len(t, page.Items, 3)
	assert.EqualValues(t, 2, page.Items[0].Seq)
	assert.Equal(t, "event", page.Items[0].Type)
	assert.Equal(t, events.RunProgress, page.Items[0].Event)
	assert.JSONEq(t, `{"i":1}`, string(page.Items[0].Data))
	assert.EqualValues(t, 4, page.NextSince)
	require.Equal(t, http.StatusOK, in.call(alice, "GET", "/api/events?topic="+topic+"&since=4", &page))
	require.Len(t, page.Items, 1)
	assert.EqualValues(t, 5, page.NextSince)

	assert.Equal(t, http.StatusForbidden, in.call(bob, "GET", "/api/events?topic="+topic, nil))
	assert.Equal(t, http.StatusForbidden, in.call(bob, "GET", "/api/events?topic=user:"+alice.p.User.ID, nil))
	assert.Equal(t, http.StatusUnprocessableEntity, in.call(bob, "GET", "/api/events?topic=bogus", nil))
	assert.Equal(t, http.StatusUnprocessableEntity, in.call(bob, "GET", "/api/events?topic="+topic+"&wait=26", nil))

	_, err := in.notify.Notify(context.Background(), bob.p.User.ID, notify.KindBudgetReached, "Budget reached", "", nil)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, in.call(bob, "GET", "/api/events?topic=user", &page))
	require.Len(t, page.Items, 1)
	assert.Equal(t, "user", page.Items[0].Topic)
	assert.Equal(t, events.Notification, page.Items[0].Event)

	// Long-poll: answered as soon as an event arrives.
	go func() {
		time.Sleep(300 * time.Millisecond)
		in.publish(events.RunSucceeded, nil, topic)
	}()
	start := time.Now()
	require.Equal(t, http.StatusOK, in.call(alice, "GET", "/api/events?topic="+topic+"&since=5&wait=10", &page))
	took := time.Since(start)
	require.Len(t, page.Items, 1)
	assert.EqualValues(t, 6, page.Items[0].Seq)
	assert.Less(t, took, 9*time.Second, "woken by the event, not by the 10 s wait limit")
	assert.GreaterOrEqual(t, took, 250*time.Millisecond)

	start = time.Now()
	require.Equal(t, http.StatusOK, in.call(alice, "GET", "/api/events?topic="+topic+"&since=6&wait=1", &page))
	assert.Empty(t, page.Items)
	assert.EqualValues(t, 6, page.NextSince)
	assert.GreaterOrEqual(t, time.Since(start), 950*time.Millisecond, "an empty page only after the wait")

	var spec map[string]any
	res, err := in.ts.Client().Get(in.ts.URL + "/openapi.json")
	require.NoError(t, err)
	defer res.Body.Close()
	require.NoError(t, json.NewDecoder(res.Body).Decode(&spec))
	paths, _ := spec["paths"].(map[string]any)
	for _, p := range []string{"/api/events", "/api/notifications", "/api/notifications/{id}/read", "/api/notifications/read-all"} {
		assert.Contains(t, paths, p, "documented in OpenAPI")
	}
	raw, _ := json.Marshal(paths["/api/events"])
	assert.True(t, strings.Contains(string(raw), "wait"), "the long-poll parameter is documented")
}

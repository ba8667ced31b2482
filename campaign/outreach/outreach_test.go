package outreach_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/kpbot/kpbot/agents"
	"github.com/kpbot/kpbot/agents/crewtest"
	"github.com/kpbot/kpbot/agents/llm/offline"
	"github.com/kpbot/kpbot/agents/reviewer"
	"github.com/kpbot/kpbot/agents/riverjob"
	"github.com/kpbot/kpbot/agents/web"
	"github.com/kpbot/kpbot/agents/web/webtest"
	"github.com/kpbot/kpbot/auth"
	"github.com/kpbot/kpbot/campaign"
	"github.com/kpbot/kpbot/campaign/outreach"
	"github.com/kpbot/kpbot/storage"
	"github.com/kpbot/kpbot/storage/bunstore"
	"github.com/kpbot/kpbot/storage/dbtest"
)

type world struct {
	db        *bun.DB
	campaigns *campaign.Service
	crew      *campaign.CrewService
	runs      *outreach.Runs
	queue     *riverjob.Queue
	events    *agents.Recorder
}

// newWorld wires the real crew, stores and River queue on db.
func newWorld(t *testing.T, db *bun.DB, newQueue func(*agents.Runner) (*riverjob.Queue, error)) *world {
	t.Helper()
	campaigns, err := campaign.NewService(campaign.Config{}, bunstore.NewCampaignStores(db))
	require.NoError(t, err)
	crewSide, err := campaign.NewCrewService(campaign.CrewConfig{}, bunstore.NewCampaignStores(db))
	require.NoError(t, err)
	fetcher, err := web.NewFetcher(web.Config{AllowPrivate: true, PerHostDelay: web.NoDelay, Timeout: 3 * time.Second})
	require.NoError(t, err)
	llm, err := offline.New(offline.Config{})
	require.NoError(t, err)
	members, err := crewtest.Outreach(fetcher, llm, outreach.NewSink(crewSide))
	require.NoError(t, err)
	crew, err := agents.OutreachCrew(members)
	require.NoError(t, err)
	events := agents.NewRecorder()
	runner, err := agents.NewRunner(crew, bunstore.NewRuns(db), events, agents.RunnerConfig{CancelPollInterval: 100 * time.Millisecond})
	require.NoError(t, err)
	q, err := newQueue(runner)
	require.NoError(t, err)
	return &world{db: db, campaigns: campaigns, crew: crewSide, runs: outreach.NewRuns(campaigns, bunstore.NewRuns(db), q), queue: q, events: events}
}

func sqliteWorld(t *testing.T) *world {
	db := dbtest.SQLite(t)
	require.NoError(t, riverjob.MigrateSQLite(t.Context(), db.DB))
	return newWorld(t, db, func(r *agents.Runner) (*riverjob.Queue, error) {
		return riverjob.NewSQLite(db.DB, r, riverjob.Config{FetchPollInterval: 100 * time.Millisecond})
	})
}

func postgresWorld(t *testing.T) *world {
	pg := dbtest.Postgres(t)
	require.NoError(t, riverjob.MigratePostgres(t.Context(), pg.Pool))
	return newWorld(t, pg.Bun, func(r *agents.Runner) (*riverjob.Queue, error) {
		return riverjob.NewPostgres(pg.Pool, r, riverjob.Config{FetchPollInterval: 100 * time.Millisecond})
	})
}

func principal(t *testing.T, db *bun.DB, role auth.Role) *auth.Principal {
	t.Helper()
	now := time.Now().UTC().Truncate(time.Microsecond)
	u := &auth.User{ID: "u-" + now.Format("150405.000000000") + string(role), Role: role, PasswordHash: []byte("x"), CreatedAt: now, UpdatedAt: now}
	u.Email = u.ID + "@example.test"
	require.NoError(t, bunstore.NewUsers(db).CreateUser(t.Context(), u))
	return &auth.Principal{User: u, SessionID: "s"}
}

func eachWorld(t *testing.T, fn func(t *testing.T, w *world)) {
	t.Run("sqlite", func(t *testing.T) { t.Parallel(); fn(t, sqliteWorld(t)) })
	t.Run("postgres", func(t *testing.T) { t.Parallel(); fn(t, postgresWorld(t)) })
}

func TestRunOfCampaignEndToEnd(t *testing.T) {
	corpus := webtest.NewCorpus(t)
	eachWorld(t, func(t *testing.T, w *world) {
		ctx := t.Context()
		owner := principal(t, w.db, auth.RoleUser)
		c, err := w.campaigns.Create(ctx, owner, campaign.CreateInput{
			Name: "databases", Keywords: []string{"postgres", "golang", "database performance", "index", "query"},
			SeedURLs: corpus.SeedURLs(), MaxProspects: 100,
		})
		require.NoError(t, err)

		require.NoError(t, w.queue.Start(ctx))
		t.Cleanup(func() { _ = w.queue.Stop(context.Background()) })
		run, err := w.runs.Start(ctx, owner, c.ID)
		require.NoError(t, err)
		assert.Equal(t, agents.RunQueued, run.Status, "the run as submitted")

		require.Eventually(t, func() bool {
			r, err := w.runs.Get(ctx, owner, run.ID)
			return err == nil && !r.Active()
		}, 90*time.Second, 100*time.Millisecond)
		done, err := w.runs.Get(ctx, owner, run.ID)
		require.NoError(t, err)
		require.Equal(t, agents.RunSucceeded, done.Status, "error: %s", done.Error)
		assert.InDelta(t, 1.0, done.Progress, 1e-9)

		prospects, err := w.campaigns.ListProspects(ctx, owner, c.ID, storage.ListParams{Limit: 200})
		require.NoError(t, err)
		found := map[string]campaign.Prospect{}
		for _, p := range prospects.Items {
			found[p.CanonicalURL] = p
		}
		for _, u := range corpus.IrrelevantURLs() {
			assert.NotContains(t, found, web.CanonicalURL(u), "irrelevant post became a prospect")
		}
		for _, u := range corpus.DisallowedURLs() {
			assert.NotContains(t, found, web.CanonicalURL(u), "robots-disallowed post became a prospect")
		}
		assert.Zero(t, corpus.DisallowedHits(), "disallowed paths are never fetched")
		relevantFound := 0
		for _, u := range corpus.RelevantURLs() {
			if _, ok := found[web.CanonicalURL(u)]; ok {
				relevantFound++
			}
		}
		assert.Greater(t, relevantFound, len(corpus.RelevantURLs())/2, "most relevant posts are prospects")

		drafts, err := w.campaigns.ListDrafts(ctx, owner, c.ID, "", storage.ListParams{Limit: 200})
		require.NoError(t, err)
		require.NotEmpty(t, drafts.Items)
		seen := map[string]bool{}
		for _, d := range drafts.Items {
			assert.False(t, seen[d.ProspectID], "one draft per prospect")
			seen[d.ProspectID] = true
			p, err := w.crew.ProspectByID(ctx, d.ProspectID)
			require.NoError(t, err)
			res := reviewer.Review(reviewer.Config{}, d.Body, reviewer.PostInput{Title: p.Title, Text: p.Text, Keywords: c.Keywords}, nil)
			assert.NotContains(t, res.Flags, reviewer.FlagNoPostReference, "draft %q names nothing of %s", d.Body, p.URL)
		}
		// The run is saved succeeded before run.succeeded is emitted.
		wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		_, err = w.events.Wait(wctx, run.ID, agents.EventRunSucceeded)
		require.NoError(t, err)
		names := w.events.Names(run.ID)
		require.NotEmpty(t, names)
		assert.Equal(t, agents.EventRunQueued, names[0])
		assert.Equal(t, agents.EventRunSucceeded, names[len(names)-1])
		assert.Contains(t, names, agents.EventProspectFound)
		assert.Contains(t, names, agents.EventCommentDrafted)

		// Resubmitting works on the same rows: nothing is duplicated.
		again, err := w.runs.Start(ctx, owner, c.ID)
		require.NoError(t, err)
		require.Eventually(t, func() bool {
			r, err := w.runs.Get(ctx, owner, again.ID)
			return err == nil && !r.Active()
		}, 90*time.Second, 100*time.Millisecond)
		prospects2, err := w.campaigns.ListProspects(ctx, owner, c.ID, storage.ListParams{Limit: 200})
		require.NoError(t, err)
		assert.Len(t, prospects2.Items, len(prospects.Items))
		drafts2, err := w.campaigns.ListDrafts(ctx, owner, c.ID, "", storage.ListParams{Limit: 200})
		require.NoError(t, err)
		assert.Len(t, drafts2.Items, len(drafts.Items))
	})
}

func TestRunAccessRules(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		ctx := t.Context()
		owner := principal(t, w.db, auth.RoleUser)
		stranger := principal(t, w.db, auth.RoleUser)
		mod := principal(t, w.db, auth.RoleModerator)
		c, err := w.campaigns.Create(ctx, owner, campaign.CreateInput{Name: "private", Keywords: []string{"go"}})
		require.NoError(t, err)

		_, err = w.runs.Start(ctx, stranger, c.ID)
		assert.ErrorIs(t, err, campaign.ErrNotFound)
		_, err = w.runs.Start(ctx, mod, c.ID)
		assert.ErrorIs(t, err, campaign.ErrForbidden, "moderators read but do not run others' campaigns")

		run, err := w.runs.Start(ctx, owner, c.ID) // the queue is not started: it stays queued
		require.NoError(t, err)
		_, err = w.runs.Get(ctx, stranger, run.ID)
		assert.ErrorIs(t, err, campaign.ErrNotFound)
		_, err = w.runs.Get(ctx, owner, "no-such-run")
		assert.ErrorIs(t, err, campaign.ErrNotFound)
		got, err := w.runs.Get(ctx, mod, run.ID)
		require.NoError(t, err)
		assert.Equal(t, run.ID, got.ID)
		_, err = w.runs.List(ctx, stranger, c.ID, storage.ListParams{})
		assert.ErrorIs(t, err, campaign.ErrNotFound)
		_, err = w.runs.Cancel(ctx, stranger, run.ID)
		assert.ErrorIs(t, err, campaign.ErrNotFound)
		_, err = w.runs.Cancel(ctx, mod, run.ID)
		assert.ErrorIs(t, err, campaign.ErrForbidden)

		cancelled, err := w.runs.Cancel(ctx, owner, run.ID)
		require.NoError(t, err)
		assert.Equal(t, agents.RunCancelled, cancelled.Status)
		_, err = w.runs.Cancel(ctx, owner, run.ID)
		assert.ErrorIs(t, err, agents.ErrRunFinished)

		page, err := w.runs.List(ctx, owner, c.ID, storage.ListParams{})
		require.NoError(t, err)
		require.Len(t, page.Items, 1)

		archived := campaign.CampaignArchived
		_, err = w.campaigns.Update(ctx, owner, c.ID, campaign.PatchInput{Status: &archived})
		require.NoError(t, err)
		_, err = w.runs.Start(ctx, owner, c.ID)
		assert.ErrorIs(t, err, outreach.ErrCampaignArchived)
	})
}

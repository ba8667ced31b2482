package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/kpbot/kpbot/agents"
	"github.com/kpbot/kpbot/agents/analyst"
	"github.com/kpbot/kpbot/agents/llm/offline"
	"github.com/kpbot/kpbot/agents/research"
	"github.com/kpbot/kpbot/agents/reviewer"
	"github.com/kpbot/kpbot/agents/riverjob"
	"github.com/kpbot/kpbot/agents/web"
	"github.com/kpbot/kpbot/agents/web/webtest"
	"github.com/kpbot/kpbot/agents/writer"
	"github.com/kpbot/kpbot/auth"
	"github.com/kpbot/kpbot/campaign"
	"github.com/kpbot/kpbot/campaign/outreach"
	"github.com/kpbot/kpbot/storage/bunstore"
	"github.com/kpbot/kpbot/storage/dbtest"
)

// crewEnv is a test server with the real crew, run store and River queue.
type crewEnv struct {
	*testEnv
	queue *riverjob.Queue
	db    *bun.DB
}

type crewOpts struct {
	start      bool // start the queue's workers
	perUserMax int
	extra      []testOpt // more server options
	// eraseWith, when set, enables account deletion, cancelling runs on
	// the env's queue.
	eraseWith *queueCanceller
}

// queueCanceller cancels runs through a River queue.
type queueCanceller struct{ q *riverjob.Queue }

func (c *queueCanceller) CancelRun(ctx context.Context, runID string) error {
	_, err := c.q.Cancel(ctx, runID)
	if errors.Is(err, agents.ErrRunFinished) {
		return nil
	}
	return err
}

// newCrewEnv builds the crew over db with a River queue made by newQueue.
func newCrewEnv(t *testing.T, db *bun.DB, newQueue func(*agents.Runner, riverjob.Config) (*riverjob.Queue, error), o crewOpts) *crewEnv {
	t.Helper()
	camps, err := campaign.NewService(campaign.Config{}, bunstore.NewCampaignStores(db))
	require.NoError(t, err)
	crewSide, err := campaign.NewCrewService(campaign.CrewConfig{}, bunstore.NewCampaignStores(db))
	require.NoError(t, err)
	fetcher, err := web.NewFetcher(web.Config{AllowPrivate: true, PerHostDelay: web.NoDelay, Timeout: 3 * time.Second})
	require.NoError(t, err)
	llm, err := offline.New(offline.Config{})
	require.NoError(t, err)
	res, err := research.New(fetcher, nil, research.Config{})
	require.NoError(t, err)
	an, err := analyst.New(fetcher, analyst.Config{})
	require.NoError(t, err)
	wr, err := writer.New(llm, writer.Config{})
	require.NoError(t, err)
	crew, err := agents.OutreachCrew(agents.Members{Researcher: res, Analyst: an, Writer: wr, Sink: outreach.NewSink(crewSide), Model: offline.DefaultModel})
	require.NoError(t, err)
	runner, err := agents.NewRunner(crew, bunstore.NewRuns(db), agents.NewRecorder(), agents.RunnerConfig{CancelPollInterval: 100 * time.Millisecond})
	require.NoError(t, err)
	perUser := o.perUserMax
	if perUser == 0 {
		perUser = 10
	}
	q, err := newQueue(runner, riverjob.Config{MaxRunsPerUser: perUser, FetchPollInterval: 100 * time.Millisecond, Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	if o.start {
		require.NoError(t, q.Start(t.Context()))
		t.Cleanup(func() { _ = q.StopAndCancel(t.Context()) })
	}
	if o.eraseWith != nil {
		o.eraseWith.q = q
		o.extra = append(o.extra, withAuthConfig(func(c *auth.Config) { c.Runs = o.eraseWith }), func(s *testSetup) { s.erase = true })
	}
	env := newTestServer(t, db, append([]testOpt{func(s *testSetup) {
		s.deps.Campaigns = camps
		s.deps.Runs = outreach.NewRuns(camps, bunstore.NewRuns(db), q)
		s.deps.AgentList = crew.Agents()
		s.deps.Agents = outreach.NewTools(res, an, wr, 20*time.Second)
	}}, o.extra...)...)
	return &crewEnv{testEnv: env, queue: q, db: db}
}

// eachCrewDB runs fn on SQLite and PostgreSQL with River on each.
func eachCrewDB(t *testing.T, o crewOpts, fn func(t *testing.T, e *crewEnv)) {
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		db := dbtest.SQLite(t)
		require.NoError(t, riverjob.MigrateSQLite(t.Context(), db.DB))
		fn(t, newCrewEnv(t, db, func(r *agents.Runner, c riverjob.Config) (*riverjob.Queue, error) {
			return riverjob.NewSQLite(db.DB, r, c)
		}, o))
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		pg := dbtest.Postgres(t)
		require.NoError(t, riverjob.MigratePostgres(t.Context(), pg.Pool))
		fn(t, newCrewEnv(t, pg.Bun, func(r *agents.Runner, c riverjob.Config) (*riverjob.Queue, error) {
			return riverjob.NewPostgres(pg.Pool, r, c)
		}, o))
	})
}

func (e *crewEnv) waitRun(tok tokens, runID string) map[string]any {
	e.t.Helper()
	var run map[string]any
	require.Eventually(e.t, func() bool {
		r := e.do("GET", "/api/runs/"+runID, nil, bearer(tok.AccessToken))
		if r.status != http.StatusOK {
			return false
		}
		run = r.json(e.t.(*testing.T))
		s := run["status"]
		return s != "queued" && s != "running"
	}, 120*time.Second, 150*time.Millisecond)
	return run
}

func TestCrewRunEndToEnd(t *testing.T) {
	corpus := webtest.NewCorpus(t)
	eachCrewDB(t, crewOpts{start: true}, func(t *testing.T, e *crewEnv) {
		root := e.admin()
		owner := e.register("owner@example.com", "owner-password")
		mod := e.moderator(root, "mod@example.com")
		stranger := e.register("stranger@example.com", "stranger-password")

		r := e.do("POST", "/api/campaigns", map[string]any{
			"name": "databases", "keywords": []string{"postgres", "golang", "database performance", "index", "query"},
			"seed_urls": corpus.SeedURLs(), "max_prospects": 100,
		}, bearer(owner.AccessToken))
		require.Equal(t, http.StatusCreated, r.status, "body: %s", r.body)
		cid := r.json(t)["id"].(string)

		r = e.do("POST", "/api/campaigns/"+cid+"/runs", nil, bearer(stranger.AccessToken))
		requireProblem(t, r, http.StatusNotFound)
		r = e.do("POST", "/api/campaigns/"+cid+"/runs", nil, bearer(owner.AccessToken))
		require.Equal(t, http.StatusAccepted, r.status, "body: %s", r.body)
		started := r.json(t)
		assert.Equal(t, "queued", started["status"])
		for _, k := range []string{"id", "campaign_id", "status", "progress", "steps", "stats", "created_at"} {
			assert.Contains(t, started, k)
		}
		runID := started["id"].(string)
		requireProblem(t, e.do("GET", "/api/runs/"+runID, nil, bearer(stranger.AccessToken)), http.StatusNotFound)

		run := e.waitRun(owner, runID)
		require.Equal(t, "succeeded", run["status"], "run: %v", run)
		assert.InDelta(t, 1.0, run["progress"], 1e-9)
		assert.NotEmpty(t, run["finished_at"])
		steps := run["steps"].([]any)
		require.Len(t, steps, 3)
		for _, s := range steps {
			assert.NotContains(t, s.(map[string]any), "output", "checkpoints stay internal")
			assert.Equal(t, "succeeded", s.(map[string]any)["status"], "step %v of a succeeded run", s)
		}

		list := e.do("GET", "/api/campaigns/"+cid+"/runs", nil, bearer(owner.AccessToken)).page(t)
		require.Len(t, list.Items, 1)
		assert.Equal(t, runID, list.Items[0]["id"])
		requireProblem(t, e.do("GET", "/api/campaigns/"+cid+"/runs", nil, bearer(stranger.AccessToken)), http.StatusNotFound)
		requireProblem(t, e.do("POST", "/api/runs/"+runID+"/cancel", nil, bearer(owner.AccessToken)), http.StatusConflict)
		requireProblem(t, e.do("POST", "/api/runs/"+runID+"/cancel", nil, bearer(stranger.AccessToken)), http.StatusNotFound)

		prospects := e.do("GET", "/api/campaigns/"+cid+"/prospects?limit=200", nil, bearer(owner.AccessToken)).page(t)
		found := map[string]bool{}
		for _, p := range prospects.Items {
			found[web.CanonicalURL(p["url"].(string))] = true
		}
		for _, u := range corpus.IrrelevantURLs() {
			assert.False(t, found[web.CanonicalURL(u)], "irrelevant %s is a prospect", u)
		}
		for _, u := range corpus.DisallowedURLs() {
			assert.False(t, found[web.CanonicalURL(u)], "disallowed %s is a prospect", u)
		}
		relevant := 0
		for _, u := range corpus.RelevantURLs() {
			if found[web.CanonicalURL(u)] {
				relevant++
			}
		}
		assert.Greater(t, relevant, len(corpus.RelevantURLs())/2)

		comments := e.do("GET", "/api/campaigns/"+cid+"/comments?status=draft&limit=200", nil, bearer(owner.AccessToken)).page(t)
		require.NotEmpty(t, comments.Items)
		for _, c := range comments.Items {
			pr, err := e.crew.ProspectByID(t.Context(), c["prospect_id"].(string))
			require.NoError(t, err)
			res := reviewer.Review(reviewer.Config{}, c["body"].(string), reviewer.PostInput{Title: pr.Title, Text: pr.Text}, nil)
			assert.NotContains(t, res.Flags, reviewer.FlagNoPostReference, "draft %q names nothing of %s", c["body"], pr.URL)
		}

		draftID := comments.Items[0]["id"].(string)
		requireProblem(t, e.do("POST", "/api/comments/"+draftID+"/approve", nil, bearer(owner.AccessToken)), http.StatusForbidden)
		r = e.do("POST", "/api/comments/"+draftID+"/approve", nil, bearer(mod.AccessToken))
		require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
		assert.Equal(t, "approved", r.json(t)["status"])

		r = e.do("GET", "/api/campaigns/"+cid+"/comments/export?format=json", nil, bearer(owner.AccessToken))
		require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
		var rows []map[string]any
		require.NoError(t, json.Unmarshal(r.body, &rows))
		require.Len(t, rows, 1)
		assert.Equal(t, draftID, rows[0]["draft_id"])
		r = e.do("GET", "/api/campaigns/"+cid+"/comments/export?format=csv", nil, bearer(owner.AccessToken))
		require.Equal(t, http.StatusOK, r.status)
		assert.Contains(t, string(r.body), draftID)
	})
}

func TestRunLimitsAndCancel(t *testing.T) {
	eachCrewDB(t, crewOpts{start: false, perUserMax: 1}, func(t *testing.T, e *crewEnv) {
		owner := e.register("limits@example.com", "owner-password")
		cid := e.createCampaign(owner, "limits")["id"].(string)
		r := e.do("POST", "/api/campaigns/"+cid+"/runs", nil, bearer(owner.AccessToken))
		require.Equal(t, http.StatusAccepted, r.status, "body: %s", r.body)
		runID := r.json(t)["id"].(string)

		r = e.do("POST", "/api/campaigns/"+cid+"/runs", nil, bearer(owner.AccessToken))
		requireProblem(t, r, http.StatusTooManyRequests)
		assert.NotEmpty(t, r.header.Get("Retry-After"))

		r = e.do("POST", "/api/runs/"+runID+"/cancel", nil, bearer(owner.AccessToken))
		require.Equal(t, http.StatusAccepted, r.status, "body: %s", r.body)
		assert.Equal(t, "cancelled", r.json(t)["status"])
		requireProblem(t, e.do("POST", "/api/runs/"+runID+"/cancel", nil, bearer(owner.AccessToken)), http.StatusConflict)

		r = e.do("POST", "/api/campaigns/"+cid+"/runs", nil, bearer(owner.AccessToken))
		assert.Equal(t, http.StatusAccepted, r.status, "a cancelled run frees its slot: %s", r.body)

		requireProblem(t, e.do("GET", "/api/runs/no-such-run", nil, bearer(owner.AccessToken)), http.StatusNotFound)
		requireProblem(t, e.do("POST", "/api/campaigns/no-such-campaign/runs", nil, bearer(owner.AccessToken)), http.StatusNotFound)
		requireProblem(t, e.do("GET", "/api/runs/"+runID, nil), http.StatusUnauthorized)
		requireProblem(t, e.do("GET", "/api/campaigns/"+cid+"/runs?limit=500", nil, bearer(owner.AccessToken)), http.StatusUnprocessableEntity)
		requireProblem(t, e.do("GET", "/api/campaigns/"+cid+"/runs?cursor=garbage", nil, bearer(owner.AccessToken)), http.StatusUnprocessableEntity)

		r = e.do("PATCH", "/api/campaigns/"+cid, map[string]any{"status": "archived"}, bearer(owner.AccessToken))
		require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
		requireProblem(t, e.do("POST", "/api/campaigns/"+cid+"/runs", nil, bearer(owner.AccessToken)), http.StatusConflict)
	})
}

func TestAgentEndpoints(t *testing.T) {
	corpus := webtest.NewCorpus(t)
	db := dbtest.SQLite(t)
	require.NoError(t, riverjob.MigrateSQLite(t.Context(), db.DB))
	e := newCrewEnv(t, db, func(r *agents.Runner, c riverjob.Config) (*riverjob.Queue, error) {
		return riverjob.NewSQLite(db.DB, r, c)
	}, crewOpts{})
	tok := e.register("agents@example.com", "agents-password")

	r := e.do("GET", "/api/agents", nil, bearer(tok.AccessToken))
	require.Equal(t, http.StatusOK, r.status)
	items := r.json(t)["items"].([]any)
	require.Len(t, items, 4)
	var names []string
	for _, it := range items {
		a := it.(map[string]any)
		for _, k := range []string{"name", "role", "goal", "tools"} {
			assert.NotEmpty(t, a[k], "agent %v lacks %s", a["name"], k)
		}
		names = append(names, a["name"].(string))
		if a["name"] == agents.AgentCommentWriter {
			assert.Equal(t, offline.DefaultModel, a["model"], "the writer shows the crew's model")
		} else {
			assert.Nil(t, a["model"], "only the writer uses a model")
		}
	}
	assert.Equal(t, []string{agents.AgentBlogResearcher, agents.AgentContentAnalyst, agents.AgentCommentWriter, agents.AgentQualityReviewer}, names,
		"the crew's agents in the order they work")
	requireProblem(t, e.do("GET", "/api/agents", nil), http.StatusUnauthorized)

	post := corpus.Posts()[0]
	text := strings.Join(post.Sections, "\n\n")
	r = e.do("POST", "/api/agents/comment", map[string]any{"title": post.Title, "content": text, "url": post.URL, "tone": "friendly"}, bearer(tok.AccessToken))
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	c := r.json(t)
	assert.NotEmpty(t, c["body"])
	assert.Contains(t, c, "score")
	assert.NotNil(t, c["flags"])
	requireProblem(t, e.do("POST", "/api/agents/comment", map[string]any{"title": "no content"}, bearer(tok.AccessToken)), http.StatusUnprocessableEntity)
	requireProblem(t, e.do("POST", "/api/agents/comment", map[string]any{"title": "x", "content": "y", "role": "admin"}, bearer(tok.AccessToken)), http.StatusUnprocessableEntity)

	r = e.do("POST", "/api/agents/research", map[string]any{
		"keywords": []string{"postgres", "index", "query"}, "seed_urls": corpus.SeedURLs()[:2], "max_results": 5,
	}, bearer(tok.AccessToken))
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	found := r.json(t)["items"].([]any)
	assert.NotEmpty(t, found)
	assert.LessOrEqual(t, len(found), 5)

	r = e.do("POST", "/api/agents/research", map[string]any{"keywords": []string{"go"}, "seed_urls": []string{"http://127.0.0.1:1/"}}, bearer(tok.AccessToken))
	requireProblem(t, r, http.StatusUnprocessableEntity)
	requireProblem(t, e.do("POST", "/api/agents/research", map[string]any{"keywords": []string{}, "seed_urls": []string{"http://a.example"}}, bearer(tok.AccessToken)), http.StatusUnprocessableEntity)
}

package httpapi

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/kpbot/kpbot/auth"
	"github.com/kpbot/kpbot/events"
	"github.com/kpbot/kpbot/notify"
	"github.com/kpbot/kpbot/storage/bunstore"
	"github.com/kpbot/kpbot/storage/dbtest"
)

// recordingMailbox keeps the account e-mails the service asks to send,
// raw tokens included, as the queue would get them.
type recordingMailbox struct {
	mu   sync.Mutex
	sent []auth.AccountEmail
}

func (m *recordingMailbox) SendAccountEmail(_ context.Context, e auth.AccountEmail) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sent = append(m.sent, e)
	return nil
}

func (m *recordingMailbox) all() []auth.AccountEmail {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]auth.AccountEmail(nil), m.sent...)
}

// last returns the newest e-mail to `to`, failing when there is none.
func (m *recordingMailbox) last(t *testing.T, to string) auth.AccountEmail {
	t.Helper()
	all := m.all()
	for i := len(all) - 1; i >= 0; i-- {
		if all[i].To == to {
			return all[i]
		}
	}
	t.Fatalf("no e-mail to %s among %d", to, len(all))
	return auth.AccountEmail{}
}

func (m *recordingMailbox) count(to string, kind auth.EmailKind) int {
	n := 0
	for _, e := range m.all() {
		if e.To == to && e.Kind == kind {
			n++
		}
	}
	return n
}

type recordingNotices struct {
	mu     sync.Mutex
	titles map[string][]string
}

func (n *recordingNotices) AccountNotice(_ context.Context, userID, title, _ string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.titles == nil {
		n.titles = map[string][]string{}
	}
	n.titles[userID] = append(n.titles[userID], title)
}

func (n *recordingNotices) of(userID string) []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]string(nil), n.titles[userID]...)
}

func withMailbox(box auth.Mailbox, notices auth.Notices) testOpt {
	return withAuthConfig(func(c *auth.Config) { c.Mailbox, c.Notices = box, notices })
}

func userIDOf(tk tokens) string { id, _ := tk.User["id"].(string); return id }

func TestChangePassword(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, newEnv envFactory) {
		box, notices := &recordingMailbox{}, &recordingNotices{}
		e := newEnv(withMailbox(box, notices))
		me := e.register("ada@example.com", "old-password-1")
		other := e.login("ada@example.com", "old-password-1")
		path := "/api/auth/password"

		p := requireProblem(t, e.do("POST", path, map[string]string{"current_password": "wrong-password", "new_password": "new-password-1"}, bearer(me.AccessToken)), http.StatusUnprocessableEntity)
		assert.Contains(t, fieldLocations(p), "body.current_password")
		p = requireProblem(t, e.do("POST", path, map[string]string{"current_password": "old-password-1", "new_password": "short"}, bearer(me.AccessToken)), http.StatusUnprocessableEntity)
		assert.Contains(t, fieldLocations(p), "body.new_password")
		requireProblem(t, e.do("POST", path, map[string]string{"current_password": "old-password-1", "new_password": "new-password-1"}), http.StatusUnauthorized)
		requireProblem(t, e.do("POST", path, `{"current_password": "old-password-1", "new_password": "new-password-1", "extra": 1}`, bearer(me.AccessToken)), http.StatusUnprocessableEntity)
		requireProblem(t, e.do("POST", path, `{"current_password":`, bearer(me.AccessToken)), http.StatusBadRequest)
		assert.Equal(t, http.StatusOK, e.do("GET", "/api/auth/me", nil, bearer(other.AccessToken)).status, "failed attempts revoke nothing")

		r := e.do("POST", path, map[string]string{"current_password": "old-password-1", "new_password": "new-password-1"}, bearer(me.AccessToken))
		require.Equal(t, http.StatusNoContent, r.status, "body: %s", r.body)
		assert.Equal(t, http.StatusOK, e.do("GET", "/api/auth/me", nil, bearer(me.AccessToken)).status, "the caller's session stays")
		requireProblem(t, e.do("GET", "/api/auth/me", nil, bearer(other.AccessToken)), http.StatusUnauthorized)
		requireProblem(t, e.do("POST", "/api/auth/refresh", map[string]string{"refresh_token": other.RefreshToken}), http.StatusUnauthorized)
		e.tokensOf(e.do("POST", "/api/auth/refresh", map[string]string{"refresh_token": me.RefreshToken}), http.StatusOK)
		requireProblem(t, e.do("POST", "/api/auth/login", map[string]string{"email": "ada@example.com", "password": "old-password-1"}), http.StatusUnauthorized)
		e.login("ada@example.com", "new-password-1")

		assert.Equal(t, 1, box.count("ada@example.com", auth.EmailPasswordChanged))
		assert.Empty(t, box.last(t, "ada@example.com").Token, "a notice carries no token")
		assert.Equal(t, []string{"Password changed"}, notices.of(userIDOf(me)))
	})
}

func TestForgotAndResetPassword(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, newEnv envFactory) {
		box := &recordingMailbox{}
		e := newEnv(withMailbox(box, nil))
		first := e.register("ada@example.com", "old-password-1")
		second := e.login("ada@example.com", "old-password-1")

		r := e.do("POST", "/api/auth/password/forgot", map[string]string{"email": "  ADA@example.com "})
		require.Equal(t, http.StatusAccepted, r.status, "body: %s", r.body)
		mail := box.last(t, "ada@example.com")
		require.Equal(t, auth.EmailPasswordReset, mail.Kind)
		require.Len(t, mail.Token, 43, "256 bits, base64url")
		assert.NotContains(t, e.logs.String(), mail.Token, "the token is never logged")

		reset := func(token, pw string) *resp {
			return e.do("POST", "/api/auth/password/reset", map[string]string{"token": token, "new_password": pw})
		}
		p := requireProblem(t, reset(mail.Token, "short"), http.StatusUnprocessableEntity)
		assert.Contains(t, fieldLocations(p), "body.new_password")
		require.Equal(t, http.StatusNoContent, reset(mail.Token, "new-password-1").status)
		for _, tk := range []tokens{first, second} {
			requireProblem(t, e.do("GET", "/api/auth/me", nil, bearer(tk.AccessToken)), http.StatusUnauthorized)
			requireProblem(t, e.do("POST", "/api/auth/refresh", map[string]string{"refresh_token": tk.RefreshToken}), http.StatusUnauthorized)
		}
		e.login("ada@example.com", "new-password-1")
		assert.Equal(t, 1, box.count("ada@example.com", auth.EmailPasswordChanged))

		// Used, unknown, malformed and expired tokens: one answer.
		used := requireProblem(t, reset(mail.Token, "another-password-1"), http.StatusBadRequest)
		unknown := requireProblem(t, reset(strings.Repeat("A", 43), "another-password-1"), http.StatusBadRequest)
		short := requireProblem(t, reset("abc", "another-password-1"), http.StatusBadRequest)
		require.Equal(t, http.StatusAccepted, e.do("POST", "/api/auth/password/forgot", map[string]string{"email": "ada@example.com"}).status)
		late := box.last(t, "ada@example.com").Token
		e.clock.Advance(31 * time.Minute)
		expired := requireProblem(t, reset(late, "another-password-1"), http.StatusBadRequest)
		for _, p := range []map[string]any{unknown, short, expired} {
			assert.Equal(t, used["detail"], p["detail"])
			assert.Equal(t, used["errors"], p["errors"])
		}

		// A newer link retires the older; a password change retires both.
		require.Equal(t, http.StatusAccepted, e.do("POST", "/api/auth/password/forgot", map[string]string{"email": "ada@example.com"}).status)
		older := box.last(t, "ada@example.com").Token
		require.Equal(t, http.StatusAccepted, e.do("POST", "/api/auth/password/forgot", map[string]string{"email": "ada@example.com"}).status)
		newer := box.last(t, "ada@example.com").Token
		require.NotEqual(t, older, newer)
		requireProblem(t, reset(older, "another-password-1"), http.StatusBadRequest)
		me := e.login("ada@example.com", "new-password-1")
		require.Equal(t, http.StatusNoContent, e.do("POST", "/api/auth/password", map[string]string{"current_password": "new-password-1", "new_password": "third-password-1"}, bearer(me.AccessToken)).status)
		requireProblem(t, reset(newer, "another-password-1"), http.StatusBadRequest)
		e.login("ada@example.com", "third-password-1")
	})
}

func TestForgotPasswordRevealsNothing(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, newEnv envFactory) {
		box := &recordingMailbox{}
		e := newEnv(withMailbox(box, nil))
		e.register("ada@example.com", "old-password-1")
		forgot := func(email string) *resp {
			return e.do("POST", "/api/auth/password/forgot", map[string]string{"email": email})
		}
		known, unknown, junk := forgot("ada@example.com"), forgot("nobody@example.com"), forgot("not an address")
		for _, r := range []*resp{known, unknown, junk} {
			require.Equal(t, http.StatusAccepted, r.status)
			assert.Equal(t, string(known.body), string(r.body), "one body whatever the address")
			assert.Equal(t, headerNames(known.header), headerNames(r.header))
		}
		// The same work either way: one e-mail to the address, a link or a notice.
		assert.Equal(t, auth.EmailPasswordReset, box.last(t, "ada@example.com").Kind)
		u := box.last(t, "nobody@example.com")
		assert.Equal(t, auth.EmailPasswordResetUnknown, u.Kind)
		assert.Empty(t, u.Token)
		assert.Equal(t, 2, box.count("ada@example.com", auth.EmailPasswordReset)+box.count("nobody@example.com", auth.EmailPasswordResetUnknown))
		assert.Len(t, box.all(), 3, "the verification at register and one e-mail per address; nothing for input that is no address")

		// Registration does not say more: a taken address is refused by the
		// register endpoint as before (409), which forgot does not change.
		requireProblem(t, e.do("POST", "/api/auth/register", map[string]string{"email": "ada@example.com", "password": "whatever-pw-1"}), http.StatusConflict)
	})
}

// TestForgotPasswordResponsesAreIdentical compares whole answers: a known
// address, an unknown one, each past its per-address limit, and input
// that is no address get byte-identical bodies and the same headers. That
// they also cost the same work is TestForgotPasswordDoesTheSameWork in
// auth.
func TestForgotPasswordResponsesAreIdentical(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, newEnv envFactory) {
		box := &recordingMailbox{}
		e := newEnv(withMailbox(box, nil), withConfig(func(c *Config) { c.AuthRateLimit = 100 }))
		e.register("ada@example.com", "old-password-1")
		var all []*resp
		for range 4 { // the 4th of each is past the per-address limit
			for _, email := range []string{"ada@example.com", "nobody@example.com", "not an address"} {
				all = append(all, e.do("POST", "/api/auth/password/forgot", map[string]string{"email": email}))
			}
		}
		for _, r := range all {
			require.Equal(t, http.StatusAccepted, r.status)
			assert.Equal(t, string(all[0].body), string(r.body))
			assert.Equal(t, headerNames(all[0].header), headerNames(r.header))
		}
		assert.Equal(t, 3, box.count("ada@example.com", auth.EmailPasswordReset))
		assert.Equal(t, 3, box.count("nobody@example.com", auth.EmailPasswordResetUnknown), "unknown addresses are limited alike")
	})
}

// TestInvitationAcceptBadTokensLookAlike: used, unknown, malformed and
// expired invitation tokens give one answer.
func TestInvitationAcceptBadTokensLookAlike(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, newEnv envFactory) {
		box := &recordingMailbox{}
		e := newEnv(withMailbox(box, nil))
		root := e.admin()
		invite := func(email string) string {
			require.Equal(t, http.StatusCreated, e.do("POST", "/api/admin/invitations", map[string]string{"email": email, "role": "user"}, bearer(root.AccessToken)).status)
			return box.last(t, email).Token
		}
		accept := func(token string) *resp {
			return e.do("POST", "/api/auth/invitations/accept", map[string]string{"token": token, "password": "new-password-1"})
		}
		used, late := invite("used@example.com"), invite("late@example.com")
		require.Equal(t, http.StatusCreated, accept(used).status)
		e.clock.Advance(auth.InvitationTTL + time.Minute)
		answers := map[string]*resp{
			"used": accept(used), "unknown": accept(strings.Repeat("A", 43)), "malformed": accept("abc"), "expired": accept(late),
		}
		for name, r := range answers {
			require.Equal(t, http.StatusBadRequest, r.status, name)
			assert.Equal(t, string(answers["used"].body), string(r.body), name)
			assert.Equal(t, headerNames(answers["used"].header), headerNames(r.header), name)
		}
	})
}

// headerNames lists the header names of a response, less those that
// differ per request.
func headerNames(h http.Header) []string {
	var out []string
	for k := range h {
		switch k {
		case "Date", "X-Request-Id":
			continue
		}
		out = append(out, k+"="+strings.Join(h.Values(k), ",")) // values too: Content-Length and all
	}
	slices.Sort(out)
	return out
}

func TestForgotPasswordRateLimits(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, newEnv envFactory) {
		box := &recordingMailbox{}
		e := newEnv(withMailbox(box, nil), withConfig(func(c *Config) { c.AuthRateLimit = 6 }))
		e.register("ada@example.com", "old-password-1")
		for range 5 {
			require.Equal(t, http.StatusAccepted, e.do("POST", "/api/auth/password/forgot", map[string]string{"email": "ada@example.com"}).status)
		}
		assert.Equal(t, 3, box.count("ada@example.com", auth.EmailPasswordReset), "per address: 3 links per window, then silence")
		require.Equal(t, http.StatusAccepted, e.do("POST", "/api/auth/password/forgot", map[string]string{"email": "bob@example.com"}).status)
		r := requireProblem(t, e.do("POST", "/api/auth/password/forgot", map[string]string{"email": "carol@example.com"}), http.StatusTooManyRequests)
		assert.NotNil(t, r)
		assert.Zero(t, box.count("carol@example.com", auth.EmailPasswordResetUnknown), "per IP: the 7th request in a minute is refused")
		e.clock.Advance(16 * time.Minute)
		require.Equal(t, http.StatusAccepted, e.do("POST", "/api/auth/password/forgot", map[string]string{"email": "ada@example.com"}).status)
		assert.Equal(t, 4, box.count("ada@example.com", auth.EmailPasswordReset), "a new window sends again")
	})
}

func TestAdminSendsPasswordReset(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, newEnv envFactory) {
		box := &recordingMailbox{}
		e := newEnv(withMailbox(box, nil))
		adm := e.admin()
		user := e.register("ada@example.com", "old-password-1")
		path := "/api/admin/users/" + userIDOf(user) + "/password-reset"
		requireProblem(t, e.do("POST", path, nil, bearer(user.AccessToken)), http.StatusForbidden)
		requireProblem(t, e.do("POST", path, nil), http.StatusUnauthorized)
		requireProblem(t, e.do("POST", "/api/admin/users/no-such-user/password-reset", nil, bearer(adm.AccessToken)), http.StatusNotFound)
		r := e.do("POST", path, nil, bearer(adm.AccessToken))
		require.Equal(t, http.StatusAccepted, r.status, "body: %s", r.body)
		assert.NotContains(t, string(r.body), "token", "the admin never sees the link")
		mail := box.last(t, "ada@example.com")
		require.Equal(t, auth.EmailPasswordReset, mail.Kind)
		require.Equal(t, http.StatusNoContent, e.do("POST", "/api/auth/password/reset", map[string]string{"token": mail.Token, "new_password": "new-password-1"}).status)
		e.login("ada@example.com", "new-password-1")
	})
}

func TestAccountRoutesNeedAMailbox(t *testing.T) {
	t.Parallel()
	e := newTestServer(t, dbtest.SQLite(t))
	requireProblem(t, e.do("POST", "/api/auth/password/forgot", map[string]string{"email": "ada@example.com"}), http.StatusNotFound)
}

func TestVerifyEmail(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, newEnv envFactory) {
		box := &recordingMailbox{}
		e := newEnv(withMailbox(box, nil))
		me := e.register("ada@example.com", "old-password-1")
		assert.Equal(t, false, me.User["email_verified"])
		first := box.last(t, "ada@example.com")
		require.Equal(t, auth.EmailVerify, first.Kind, "register sends a verification e-mail")
		require.Len(t, first.Token, 43)

		// Resend: a new link, the older stops working.
		r := e.do("POST", "/api/auth/email/verify/resend", nil, bearer(me.AccessToken))
		require.Equal(t, http.StatusAccepted, r.status, "body: %s", r.body)
		second := box.last(t, "ada@example.com")
		require.NotEqual(t, first.Token, second.Token)
		requireProblem(t, e.do("POST", "/api/auth/email/verify/resend", nil), http.StatusUnauthorized)

		verify := func(tok string) *resp { return e.do("POST", "/api/auth/email/verify", map[string]string{"token": tok}) }
		stale := requireProblem(t, verify(first.Token), http.StatusBadRequest)
		require.Equal(t, http.StatusNoContent, verify(second.Token).status)
		used := requireProblem(t, verify(second.Token), http.StatusBadRequest)
		assert.Equal(t, stale["detail"], used["detail"])
		requireProblem(t, verify(""), http.StatusBadRequest)
		requireProblem(t, e.do("POST", "/api/auth/email/verify", `{"token": 5}`), http.StatusUnprocessableEntity)

		got := e.do("GET", "/api/auth/me", nil, bearer(me.AccessToken)).json(t)
		assert.Equal(t, true, got["email_verified"], "me shows it at once (the session cache is dropped)")
		adm := e.admin()
		list := e.do("GET", "/api/admin/users", nil, bearer(adm.AccessToken)).json(t)
		found := false
		for _, it := range list["items"].([]any) {
			u := it.(map[string]any)
			if u["email"] == "ada@example.com" {
				found = true
				assert.Equal(t, true, u["email_verified"])
			}
		}
		require.True(t, found)

		// Verified: resend sends nothing.
		n := len(box.all())
		require.Equal(t, http.StatusAccepted, e.do("POST", "/api/auth/email/verify/resend", nil, bearer(me.AccessToken)).status)
		assert.Len(t, box.all(), n)
	})
}

func TestResendVerificationRateLimit(t *testing.T) {
	t.Parallel()
	box := &recordingMailbox{}
	e := newTestServer(t, dbtest.SQLite(t), withMailbox(box, nil))
	me := e.register("ada@example.com", "old-password-1")
	for range 3 {
		require.Equal(t, http.StatusAccepted, e.do("POST", "/api/auth/email/verify/resend", nil, bearer(me.AccessToken)).status)
	}
	requireProblem(t, e.do("POST", "/api/auth/email/verify/resend", nil, bearer(me.AccessToken)), http.StatusTooManyRequests)
	assert.Equal(t, 4, box.count("ada@example.com", auth.EmailVerify))
}

func TestRequireVerifiedEmailToStartRuns(t *testing.T) {
	t.Parallel()
	box := &recordingMailbox{}
	opts := crewOpts{extra: []testOpt{withMailbox(box, nil), withAuthConfig(func(c *auth.Config) { c.RequireVerifiedEmail = true })}}
	eachCrewDB(t, opts, func(t *testing.T, e *crewEnv) {
		me := e.register("ada@example.com", "old-password-1")
		c := e.createCampaign(me, "verified only", "postgres")
		path := "/api/campaigns/" + c["id"].(string) + "/runs"
		p := requireProblem(t, e.do("POST", path, nil, bearer(me.AccessToken)), http.StatusForbidden)
		assert.Contains(t, p["detail"], "verify your e-mail address")
		assert.Equal(t, http.StatusOK, e.do("GET", "/api/auth/me", nil, bearer(me.AccessToken)).status, "unverified users can sign in")
		require.Equal(t, http.StatusNoContent, e.do("POST", "/api/auth/email/verify", map[string]string{"token": box.last(t, "ada@example.com").Token}).status)
		r := e.do("POST", path, nil, bearer(me.AccessToken))
		require.Equal(t, http.StatusAccepted, r.status, "body: %s", r.body)
	})
}

// countRows counts rows of table matching where.
func countRows(t *testing.T, db *bun.DB, table, where string, args ...any) int {
	t.Helper()
	n, err := db.NewSelect().Table(table).Where(where, args...).Count(t.Context())
	require.NoError(t, err)
	return int(n)
}

func TestDeleteAccount(t *testing.T) {
	t.Parallel()
	eachCrewDB(t, crewOpts{eraseWith: &queueCanceller{}}, func(t *testing.T, e *crewEnv) {
		ctx := t.Context()
		me := e.register("ada@example.com", "old-password-1")
		other := e.register("bob@example.com", "old-password-1")
		uid, bob := userIDOf(me), userIDOf(other)
		seed := func(tk tokens) (string, string) {
			c := e.createCampaign(tk, "mine", "postgres")
			cid := c["id"].(string)
			p := e.seedProspect(cid, "https://blog.example/"+cid, "A post")
			e.seedDraft(cid, p.ID, "a draft")
			r := e.do("POST", "/api/campaigns/"+cid+"/runs", nil, bearer(tk.AccessToken))
			require.Equal(t, http.StatusAccepted, r.status, "body: %s", r.body)
			runID := r.json(t)["id"].(string)
			uidOf := userIDOf(tk)
			require.NoError(t, bunstore.NewNotifications(e.db).Create(ctx, &notify.Notification{
				ID: uidOf + "-n", UserID: uidOf, Kind: notify.KindRunFailed, Title: "t", Body: "b", Data: []byte("{}"), CreatedAt: time.Now().UTC().Truncate(time.Microsecond),
			}))
			_, err := bunstore.NewEvents(e.db).Append(ctx, "test.event", map[string]string{"x": "y"},
				events.UserTopic(uidOf), events.CampaignTopic(cid), events.RunTopic(runID))
			require.NoError(t, err)
			return cid, runID
		}
		cid, runID := seed(me)
		bobCampaign, _ := seed(other)
		run, err := bunstore.NewRuns(e.db).Get(ctx, runID)
		require.NoError(t, err)
		require.NotZero(t, run.JobID)

		p := requireProblem(t, e.do("DELETE", "/api/auth/me", map[string]string{"password": "wrong-password"}, bearer(me.AccessToken)), http.StatusUnprocessableEntity)
		assert.Contains(t, fieldLocations(p), "body.password")
		requireProblem(t, e.do("DELETE", "/api/auth/me", map[string]string{"password": "old-password-1"}), http.StatusUnauthorized)
		requireProblem(t, e.do("DELETE", "/api/auth/me", `{"password":`, bearer(me.AccessToken)), http.StatusBadRequest)
		require.Equal(t, 1, countRows(t, e.db, "kpbot_users", "id = ?", uid), "failed attempts delete nothing")

		r := e.do("DELETE", "/api/auth/me", map[string]string{"password": "old-password-1"}, bearer(me.AccessToken))
		require.Equal(t, http.StatusNoContent, r.status, "body: %s", r.body)
		requireProblem(t, e.do("GET", "/api/auth/me", nil, bearer(me.AccessToken)), http.StatusUnauthorized)
		requireProblem(t, e.do("POST", "/api/auth/refresh", map[string]string{"refresh_token": me.RefreshToken}), http.StatusUnauthorized)
		requireProblem(t, e.do("POST", "/api/auth/login", map[string]string{"email": "ada@example.com", "password": "old-password-1"}), http.StatusUnauthorized)

		for table, where := range map[string]string{
			"kpbot_users": "id = ?", "kpbot_sessions": "user_id = ?", "kpbot_campaigns": "owner_id = ?",
			"kpbot_runs": "owner_id = ?", "kpbot_notifications": "user_id = ?", "kpbot_account_tokens": "user_id = ?",
		} {
			assert.Zero(t, countRows(t, e.db, table, where, uid), table)
		}
		assert.Zero(t, countRows(t, e.db, "kpbot_prospects", "campaign_id = ?", cid))
		assert.Zero(t, countRows(t, e.db, "kpbot_drafts", "campaign_id = ?", cid))
		assert.Zero(t, countRows(t, e.db, "kpbot_events", "topic IN (?)", bun.List([]string{events.UserTopic(uid), events.CampaignTopic(cid), events.RunTopic(runID)})))
		// The run's River job is cancelled at once, or, should River's cancel
		// fail (it only logs), by the worker, which finds its run gone.
		require.NoError(t, e.queue.Start(ctx))
		t.Cleanup(func() { _ = e.queue.StopAndCancel(context.Background()) })
		require.Eventually(t, func() bool {
			var state string
			require.NoError(t, e.db.NewSelect().Table("river_job").Column("state").Where("id = ?", run.JobID).Scan(ctx, &state))
			return state == "cancelled"
		}, 30*time.Second, 50*time.Millisecond, "the run's River job ends cancelled")

		// The other user's data stays.
		assert.Equal(t, 1, countRows(t, e.db, "kpbot_users", "id = ?", bob))
		assert.Equal(t, 1, countRows(t, e.db, "kpbot_campaigns", "owner_id = ?", bob))
		assert.Equal(t, 1, countRows(t, e.db, "kpbot_prospects", "campaign_id = ?", bobCampaign))
		assert.Equal(t, 1, countRows(t, e.db, "kpbot_notifications", "user_id = ?", bob))
		assert.Equal(t, 2, countRows(t, e.db, "kpbot_events", "topic IN (?)", bun.List([]string{events.UserTopic(bob), events.CampaignTopic(bobCampaign)})))
		assert.Equal(t, http.StatusOK, e.do("GET", "/api/auth/me", nil, bearer(other.AccessToken)).status)
	})
}

func TestLastAdminCannotDeleteThemself(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, newEnv envFactory) {
		e := newEnv(func(s *testSetup) { s.erase = true })
		root := e.admin()
		p := requireProblem(t, e.do("DELETE", "/api/auth/me", map[string]string{"password": "admin-password-1"}, bearer(root.AccessToken)), http.StatusUnprocessableEntity)
		assert.Contains(t, p["detail"], "last enabled admin")
		assert.Equal(t, http.StatusOK, e.do("GET", "/api/auth/me", nil, bearer(root.AccessToken)).status)

		// With a second enabled admin, the first may go.
		second := e.register("second@example.com", "second-password-1")
		role := auth.RoleAdmin
		_, err := e.svc.UpdateUser(t.Context(), mustPrincipalOf(t, e, root), userIDOf(second), auth.UserPatch{Role: &role})
		require.NoError(t, err)
		require.Equal(t, http.StatusNoContent, e.do("DELETE", "/api/auth/me", map[string]string{"password": "admin-password-1"}, bearer(root.AccessToken)).status)
		second = e.login("second@example.com", "second-password-1")
		requireProblem(t, e.do("DELETE", "/api/auth/me", map[string]string{"password": "second-password-1"}, bearer(second.AccessToken)), http.StatusUnprocessableEntity)
	})
}

// mustPrincipalOf authenticates tk's access token.
func mustPrincipalOf(t *testing.T, e *testEnv, tk tokens) *auth.Principal {
	t.Helper()
	p, err := e.svc.Authenticate(t.Context(), tk.AccessToken)
	require.NoError(t, err)
	return p
}

func TestInvitations(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, newEnv envFactory) {
		box := &recordingMailbox{}
		e := newEnv(withMailbox(box, nil), withAuthConfig(func(c *auth.Config) { c.InviteOnly = true }))
		root := e.admin()

		p := requireProblem(t, e.do("POST", "/api/auth/register", map[string]string{"email": "new@example.com", "password": "new-password-1"}), http.StatusForbidden)
		assert.Contains(t, p["detail"], "invitation")
		taken := requireProblem(t, e.do("POST", "/api/auth/register", map[string]string{"email": "root@example.com", "password": "new-password-1"}), http.StatusForbidden)
		assert.Equal(t, p, taken, "in invite mode register says the same for any address")

		invite := func(tk tokens, email, role string) *resp {
			return e.do("POST", "/api/admin/invitations", map[string]string{"email": email, "role": role}, bearer(tk.AccessToken))
		}
		r := invite(root, "Mod@Example.com", "moderator")
		require.Equal(t, http.StatusCreated, r.status, "body: %s", r.body)
		body := r.json(t)
		assert.Equal(t, "mod@example.com", body["email"])
		assert.Equal(t, "moderator", body["role"])
		assert.NotContains(t, string(r.body), "token")
		mail := box.last(t, "mod@example.com")
		require.Equal(t, auth.EmailInvitation, mail.Kind)
		require.Len(t, mail.Token, 43)

		// Inviting an address in use answers the same (no enumeration).
		again := invite(root, "root@example.com", "moderator")
		require.Equal(t, http.StatusCreated, again.status)
		assert.ElementsMatch(t, keysOf(body), keysOf(again.json(t)))

		p = requireProblem(t, invite(root, "not an address", "user"), http.StatusUnprocessableEntity)
		assert.Contains(t, fieldLocations(p), "body.email")
		requireProblem(t, invite(root, "x@example.com", "owner"), http.StatusUnprocessableEntity)
		requireProblem(t, e.do("POST", "/api/admin/invitations", map[string]string{"email": "x@example.com", "role": "user"}), http.StatusUnauthorized)

		accept := func(token, pw string, opts ...reqOpt) *resp {
			return e.do("POST", "/api/auth/invitations/accept", map[string]string{"token": token, "password": pw, "name": "Mo"}, opts...)
		}
		p = requireProblem(t, accept(mail.Token, "short"), http.StatusUnprocessableEntity)
		assert.Contains(t, fieldLocations(p), "body.password")
		tk := e.tokensOf(accept(mail.Token, "mod-password-1"), http.StatusCreated)
		assert.Equal(t, "moderator", tk.User["role"])
		assert.Equal(t, true, tk.User["email_verified"])
		assert.NotEmpty(t, tk.RefreshToken)
		requireProblem(t, accept(mail.Token, "mod-password-1"), http.StatusBadRequest)
		requireProblem(t, accept(strings.Repeat("x", 43), "mod-password-1"), http.StatusBadRequest)
		e.login("mod@example.com", "mod-password-1")

		// A moderator cannot invite.
		requireProblem(t, invite(tk, "y@example.com", "admin"), http.StatusForbidden)

		// Accepting an invitation to an address that has an account: 409.
		requireProblem(t, accept(box.last(t, "root@example.com").Token, "whatever-pw-1"), http.StatusConflict)

		// The cookie flow, as register.
		require.Equal(t, http.StatusCreated, invite(root, "cookie@example.com", "user").status)
		r = accept(box.last(t, "cookie@example.com").Token, "cookie-password-1", header("X-Kpbot-Refresh", "cookie"))
		require.Equal(t, http.StatusCreated, r.status, "body: %s", r.body)
		assert.Empty(t, r.json(t)["refresh_token"])
		assert.Contains(t, r.header.Get("Set-Cookie"), "kpbot_refresh=")

		// Expired invitations fail like unknown ones.
		require.Equal(t, http.StatusCreated, invite(root, "late@example.com", "user").status)
		e.clock.Advance(auth.InvitationTTL + time.Minute)
		requireProblem(t, accept(box.last(t, "late@example.com").Token, "late-password-1"), http.StatusBadRequest)
	})
}

func keysOf(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestChangeEmail(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, newEnv envFactory) {
		box := &recordingMailbox{}
		e := newEnv(withMailbox(box, nil))
		me := e.register("ada@example.com", "old-password-1")
		e.register("taken@example.com", "old-password-1")
		change := func(newEmail, pw string, tk tokens) *resp {
			return e.do("POST", "/api/auth/email", map[string]string{"new_email": newEmail, "password": pw}, bearer(tk.AccessToken))
		}
		p := requireProblem(t, change("new@example.com", "wrong-password", me), http.StatusUnprocessableEntity)
		assert.Contains(t, fieldLocations(p), "body.password")
		p = requireProblem(t, change("not an address", "old-password-1", me), http.StatusUnprocessableEntity)
		assert.Contains(t, fieldLocations(p), "body.new_email")
		requireProblem(t, change("ADA@example.com", "old-password-1", me), http.StatusUnprocessableEntity)
		requireProblem(t, e.do("POST", "/api/auth/email", map[string]string{"new_email": "new@example.com", "password": "old-password-1"}), http.StatusUnauthorized)

		r := change("New@Example.com", "old-password-1", me)
		require.Equal(t, http.StatusAccepted, r.status, "body: %s", r.body)
		link := box.last(t, "new@example.com")
		require.Equal(t, auth.EmailChange, link.Kind)
		notice := box.last(t, "ada@example.com")
		require.Equal(t, auth.EmailChangeNotice, notice.Kind)
		assert.Equal(t, "new@example.com", notice.Email)
		assert.Empty(t, notice.Token, "the old address never gets the link")
		assert.Equal(t, "ada@example.com", e.do("GET", "/api/auth/me", nil, bearer(me.AccessToken)).json(t)["email"], "nothing changes before the link is used")

		require.Equal(t, http.StatusNoContent, e.do("POST", "/api/auth/email/verify", map[string]string{"token": link.Token}).status)
		got := e.do("GET", "/api/auth/me", nil, bearer(me.AccessToken)).json(t)
		assert.Equal(t, "new@example.com", got["email"])
		assert.Equal(t, true, got["email_verified"])
		e.login("new@example.com", "old-password-1")
		requireProblem(t, e.do("POST", "/api/auth/login", map[string]string{"email": "ada@example.com", "password": "old-password-1"}), http.StatusUnauthorized)
		requireProblem(t, e.do("POST", "/api/auth/email/verify", map[string]string{"token": link.Token}), http.StatusBadRequest)

		// A request for an address in use answers the same; its link is 409.
		r = change("taken@example.com", "old-password-1", me)
		require.Equal(t, http.StatusAccepted, r.status)
		requireProblem(t, e.do("POST", "/api/auth/email/verify", map[string]string{"token": box.last(t, "taken@example.com").Token}), http.StatusConflict)
		assert.Equal(t, "new@example.com", e.do("GET", "/api/auth/me", nil, bearer(me.AccessToken)).json(t)["email"])
	})
}

package bunstore_test

import (
	"bytes"
	"context"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/kpbot/kpbot/auth"
	"github.com/kpbot/kpbot/auth/authtest"
	"github.com/kpbot/kpbot/auth/jwt"
	"github.com/kpbot/kpbot/storage"
	"github.com/kpbot/kpbot/storage/bunstore"
	"github.com/kpbot/kpbot/storage/dbtest"
	"github.com/kpbot/kpbot/storage/postgres"
	"github.com/kpbot/kpbot/storage/sqlite"
)

// beforeEmailKeys is the last migration before the email keys.
const beforeEmailKeys = "20261127000700"

// oldUser is a row as the release before the email keys stored it: the
// address trimmed and lower-cased, nothing more.
type oldUser struct {
	id, email string
}

// oldUsers are listed oldest first; the comments say what the migration
// must make of each.
var oldUsers = []oldUser{
	{"u01", "strasse@old.example"},     // canonical key strasse@old.example
	{"u02", "straße@old.example"},      // same key as u01, newer: legacy key and skeleton
	{"u03", "coco@old.example"},        // canonical
	{"u04", "сосо@old.example"},        // Cyrillic look-alike of u03: own key, legacy skeleton
	{"u05", "a\u200bb@old.example"},    // zero-width space: legacy key, skeleton of ab@
	{"u06", "ab@old.example"},          // canonical key; skeleton taken by u05, so legacy skeleton
	{"u07", `"quoted"@old.example`},    // refused now: legacy key and skeleton
	{"u08", "pаypal@old.example"},      // mixed scripts, refused now: legacy
	{"u09", "ａｄａ@old.example"},         // fullwidth, stored as typed: canonical key ada@old.example
	{"u10", "ada@old.example"},         // same key as u09, newer: legacy
	{"u11", "plain@old.example"},       // canonical
	{"u12", "x@xn--bcher-kva.example"}, // canonical
	{"u13", "x@bücher.example"},        // same key as u12, newer: legacy
}

func TestMigrateEmailKeysOnExistingRows(t *testing.T) {
	t.Parallel()
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		db, err := sqlite.Open(context.Background(), "file:"+filepath.Join(t.TempDir(), "old.db"), storage.PoolConfig{MaxOpenConns: 4})
		require.NoError(t, err)
		t.Cleanup(func() { _ = db.Close() })
		testMigrateEmailKeys(t, db)
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		db, err := postgres.Open(context.Background(), dbtest.PostgresDSN(t), storage.PoolConfig{MaxOpenConns: 4})
		require.NoError(t, err)
		t.Cleanup(db.Close)
		testMigrateEmailKeys(t, db.Bun)
	})
}

func testMigrateEmailKeys(t *testing.T, db *bun.DB) {
	ctx := t.Context()
	require.NoError(t, bunstore.MigrateUpTo(ctx, db, beforeEmailKeys))

	const pw = "correct horse battery"
	hasher := authtest.NewHasher(t)
	hash, err := hasher.Hash(ctx, pw)
	require.NoError(t, err)
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i, u := range oldUsers {
		at := base.Add(time.Duration(i) * time.Minute)
		_, err := db.ExecContext(ctx, `INSERT INTO kpbot_users (id, email, name, role, password_hash, disabled, created_at, updated_at)
			VALUES (?, ?, '', 'user', ?, FALSE, ?, ?)`, u.id, u.email, hash, at, at)
		require.NoError(t, err, "insert %s at the old version", u.id)
	}

	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, nil))
	require.NoError(t, bunstore.Migrate(ctx, db, bunstore.WithMigrateLogger(logger), bunstore.WithMigrateUpTo("20261202030000")), "the migration never fails on the data")
	require.NoError(t, bunstore.Migrate(ctx, db), "the later migrations, as a group of their own")

	var rows []struct {
		ID            string `bun:"id"`
		Email         string `bun:"email"`
		EmailKey      string `bun:"email_key"`
		EmailSkeleton string `bun:"email_skeleton"`
	}
	require.NoError(t, db.NewSelect().TableExpr("kpbot_users").Column("id", "email", "email_key", "email_skeleton").
		OrderExpr("id").Scan(ctx, &rows))
	require.Len(t, rows, len(oldUsers), "no user is lost")
	got := map[string][2]string{}
	for i, r := range rows {
		assert.Equal(t, oldUsers[i].email, r.Email, "the stored address is untouched")
		got[r.ID] = [2]string{r.EmailKey, r.EmailSkeleton}
	}
	canon := func(s string) [2]string {
		e, err := auth.ParseEmail(s)
		require.NoError(t, err)
		return [2]string{e.Key, e.Skeleton}
	}
	legacy := func(s string) [2]string { return [2]string{auth.LegacyEmailKey(s), auth.LegacyEmailKey(s)} }
	want := map[string][2]string{
		"u01": canon("strasse@old.example"),
		"u02": legacy("straße@old.example"),
		"u03": canon("coco@old.example"),
		"u04": {canon("сосо@old.example")[0], auth.LegacyEmailKey("сосо@old.example")},
		"u05": {auth.LegacyEmailKey("a\u200bb@old.example"), canon("ab@old.example")[1]},
		"u06": {canon("ab@old.example")[0], auth.LegacyEmailKey("ab@old.example")},
		"u07": legacy(`"quoted"@old.example`),
		"u08": legacy("pаypal@old.example"),
		"u09": canon("ada@old.example"),
		"u10": legacy("ada@old.example"),
		"u11": canon("plain@old.example"),
		"u12": canon("x@bücher.example"),
		"u13": legacy("x@bücher.example"),
	}
	for id, w := range want {
		assert.Equal(t, w, got[id], "keys of %s", id)
	}

	// Collisions are logged with user IDs, never the addresses.
	out := logs.String()
	for _, id := range []string{"u02", "u04", "u06", "u10", "u13"} {
		assert.Contains(t, out, `"user_id":"`+id+`"`, "the collision of %s is logged", id)
	}
	assert.NotContains(t, out, "old.example", "logs carry no address")

	// Every user still signs in by the exact address it registered with.
	codec, err := jwt.New(jwt.Config{HS256Key: make([]byte, 32)})
	require.NoError(t, err)
	svc, err := auth.NewService(ctx, auth.Config{}, auth.Stores{Users: bunstore.NewUsers(db), Sessions: bunstore.NewSessions(db)}, codec, hasher, nil)
	require.NoError(t, err)
	for _, u := range oldUsers {
		res, err := svc.Login(ctx, u.email, pw, auth.ClientInfo{})
		require.NoError(t, err, "%s signs in by %q", u.id, u.email)
		assert.Equal(t, u.id, res.User.ID, "%q finds %s", u.email, u.id)
	}
	// The canonical forms find the older account of each collision.
	for email, id := range map[string]string{"STRASSE@old.example": "u01", "ＡＤＡ@OLD.example": "u09", "x@XN--BCHER-KVA.example": "u12"} {
		res, err := svc.Login(ctx, email, pw, auth.ClientInfo{})
		require.NoError(t, err, email)
		assert.Equal(t, id, res.User.ID, email)
	}

	// No new look-alike of any of them can register.
	for _, email := range []string{"strasse@old.example", "Straße@old.example", "сосо@old.example",
		"ab@old.example", "ada@old.example", "plain@old.example", "x@bücher.example"} {
		_, err := svc.Register(ctx, auth.RegisterInput{Email: email, Password: pw}, auth.ClientInfo{})
		assert.ErrorIs(t, err, auth.ErrEmailTaken, "register %q", email)
	}
	_, err = svc.Register(ctx, auth.RegisterInput{Email: "new@old.example", Password: pw}, auth.ClientInfo{})
	require.NoError(t, err, "a new, distinct address registers")

	// bun/migrate sees the migration applied, and rolls it back cleanly.
	m, err := bunstore.NewMigrator(db)
	require.NoError(t, err)
	ms, err := m.MigrationsWithStatus(ctx)
	require.NoError(t, err)
	assert.Empty(t, ms.Unapplied())
	later, err := m.Rollback(ctx)
	require.NoError(t, err)
	require.NotEmpty(t, later.Migrations)
	assert.NotContains(t, later.Migrations.String(), "email_keys")
	group, err := m.Rollback(ctx)
	require.NoError(t, err)
	// The group holds the email keys and whatever later migrations ran with them.
	var names []string
	for _, m := range group.Migrations {
		names = append(names, m.Name+"_"+m.Comment)
	}
	assert.True(t, slices.ContainsFunc(names, func(n string) bool { return strings.HasSuffix(n, "email_keys") }), "rolled back %v", names)
	var n int
	require.NoError(t, db.NewSelect().TableExpr("kpbot_users").ColumnExpr("count(*)").Scan(ctx, &n))
	assert.Equal(t, len(oldUsers)+1, n, "rolling back keeps the users")
}

package httpapi_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/auth"
	"github.com/kpbot/kpbot/auth/jwt"
	"github.com/kpbot/kpbot/auth/password"
	"github.com/kpbot/kpbot/storage/bunstore"
	"github.com/kpbot/kpbot/storage/dbtest"
	"github.com/kpbot/kpbot/transport/httpapi"
)

// TestNewChecksDeps: New refuses missing required deps with an error:
// no Auth, an events Log without Rights, a nil Mounter; a Mounter's error
// fails New, and every Mounter is mounted once.
func TestNewChecksDeps(t *testing.T) {
	t.Parallel()
	db := dbtest.SQLite(t)
	codec, err := jwt.New(jwt.Config{HS256Key: []byte("0123456789abcdef0123456789abcdef")})
	require.NoError(t, err)
	hasher, err := password.New(password.Config{Cost: 4})
	require.NoError(t, err)
	svc, err := auth.NewService(t.Context(), auth.Config{}, auth.Stores{Users: bunstore.NewUsers(db), Sessions: bunstore.NewSessions(db)}, codec, hasher, nil)
	require.NoError(t, err)
	cfg := httpapi.Config{AuthRateLimit: -1}

	_, err = httpapi.New(cfg, httpapi.Deps{})
	assert.Error(t, err, "no Auth")
	_, err = httpapi.New(cfg, httpapi.Deps{Auth: svc, Events: httpapi.EventsDeps{Log: bunstore.NewEvents(db)}})
	assert.ErrorContains(t, err, "Rights")
	_, err = httpapi.New(cfg, httpapi.Deps{Auth: svc, Mounts: []httpapi.Mounter{nil}})
	assert.ErrorContains(t, err, "Mounts[0]")
	_, err = httpapi.New(cfg, httpapi.Deps{Auth: svc, Mounts: []httpapi.Mounter{httpapi.MountFunc(func(*httpapi.Server) error {
		return assert.AnError
	})}})
	assert.ErrorIs(t, err, assert.AnError)

	mounted := 0
	srv, err := httpapi.New(cfg, httpapi.Deps{Auth: svc, Mounts: []httpapi.Mounter{httpapi.MountFunc(func(s *httpapi.Server) error {
		mounted++
		return nil
	})}})
	require.NoError(t, err)
	assert.NotNil(t, srv)
	assert.Equal(t, 1, mounted)
}

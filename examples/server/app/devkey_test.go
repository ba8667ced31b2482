package app

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDevKeyPath(t *testing.T) {
	assert.Equal(t, "kpbot.db.jwt-key", devKeyPath("file:kpbot.db"))
	assert.Equal(t, "/var/lib/k.db.jwt-key", devKeyPath("file:/var/lib/k.db?_pragma=x"))
	assert.Equal(t, "data/k.db.jwt-key", devKeyPath("sqlite://data/k.db"))
	assert.Equal(t, ".kpbot-jwt-key", devKeyPath("postgres://u@h/db"))
	assert.Equal(t, ".kpbot-jwt-key", devKeyPath("file::memory:"))
}

func TestDevKeyPersists(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "k.db.jwt-key")
	k1, created, err := loadOrCreateDevKey(path)
	require.NoError(t, err)
	assert.True(t, created)
	assert.Len(t, k1, 32)
	k2, created, err := loadOrCreateDevKey(path)
	require.NoError(t, err)
	assert.False(t, created)
	assert.Equal(t, k1, k2, "a restart keeps the key, so tokens survive it")
	fi, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())

	require.NoError(t, os.WriteFile(path, []byte("not hex"), 0o600))
	_, _, err = loadOrCreateDevKey(path)
	assert.ErrorContains(t, err, "corrupt")
}

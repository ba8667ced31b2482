package app

import (
	"io"
	"io/fs"
	"net/http"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/web"
)

// TestServesEmbeddedWebApp: the built dashboard at /, the API reference
// at /docs, both from the binary, beside the API.
func TestServesEmbeddedWebApp(t *testing.T) {
	base, _, _ := startApp(t, map[string]string{
		"KPBOT_DATABASE_URL": "file:" + filepath.Join(t.TempDir(), "kpbot.db"),
		"KPBOT_BCRYPT_COST":  "4",
	}) // startApp stops the app in t.Cleanup
	get := func(path string) (*http.Response, string) {
		t.Helper()
		req := mustReq(t, http.MethodGet, base+path)
		req.Header.Set("Accept-Encoding", "identity")
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		require.NoError(t, err)
		return res, string(b)
	}
	for path, file := range map[string]string{"/": "index.html", "/campaigns/1": "index.html", "/docs": "docs/index.html"} {
		want, err := fs.ReadFile(web.Dist(), file)
		require.NoError(t, err)
		res, body := get(path)
		require.Equal(t, http.StatusOK, res.StatusCode, path)
		assert.Equal(t, string(want), body, path)
		assert.Equal(t, "text/html; charset=utf-8", res.Header.Get("Content-Type"), path)
		assert.Contains(t, res.Header.Get("Content-Security-Policy"), "script-src 'self'", path)
	}
	res, _ := get("/api/nope")
	assert.Equal(t, http.StatusNotFound, res.StatusCode)
	assert.Equal(t, "application/problem+json", res.Header.Get("Content-Type"))
	assert.Contains(t, res.Header.Get("Content-Security-Policy"), "default-src 'none'")
}

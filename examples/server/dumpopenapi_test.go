package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDumpTarget(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		file string
		rest []string
		ok   bool
	}{
		{[]string{"-dump-openapi", "a.json"}, "a.json", nil, true},
		{[]string{"--dump-openapi=b.json", "-addr", ":1"}, "b.json", []string{"-addr", ":1"}, true},
		{[]string{"-addr", ":1"}, "", []string{"-addr", ":1"}, false},
		{[]string{"---dump-openapi", "x"}, "", []string{"---dump-openapi", "x"}, false},
	} {
		file, rest, ok := dumpTarget(tc.args)
		assert.Equal(t, tc.ok, ok, "%v", tc.args)
		assert.Equal(t, tc.file, file, "%v", tc.args)
		assert.Equal(t, tc.rest, rest, "%v", tc.args)
	}
}

// TestDumpOpenAPI writes the whole server's document the way CI and the
// web client regenerate it, and checks what the generated types rely on.
func TestDumpOpenAPI(t *testing.T) {
	file := filepath.Join(t.TempDir(), "openapi.json")
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"-dump-openapi", file}, func(k string) string {
		if k == "KPBOT_BCRYPT_COST" {
			return "4"
		}
		return ""
	}, &stdout, &stderr)
	require.Equal(t, 0, code, "stderr: %s", stderr.String())
	raw, err := os.ReadFile(file)
	require.NoError(t, err)
	require.True(t, bytes.HasSuffix(raw, []byte("}\n")))
	var doc struct {
		OpenAPI    string                    `json:"openapi"`
		Paths      map[string]map[string]any `json:"paths"`
		Components struct {
			Schemas map[string]json.RawMessage `json:"schemas"`
		} `json:"components"`
	}
	require.NoError(t, json.Unmarshal(raw, &doc))
	assert.True(t, strings.HasPrefix(doc.OpenAPI, "3.1"))
	for _, p := range []string{"/api/ws", "/api/notifications", "/api/events", "/api/campaigns/{id}/prospects", "/api/auth/refresh"} {
		assert.Contains(t, doc.Paths, p)
	}
	for _, s := range []string{"WSClientMessage", "WSServerMessage", "WSCloseCode", "EventMessage", "RunProgressEvent", "NotificationEventData"} {
		assert.Contains(t, doc.Components.Schemas, s)
	}
	assert.NotContains(t, string(raw), `"null"`, "no schema may be nullable: lists are [] and optional fields are omitted")
	assert.Empty(t, stdout.String(), "nothing but the file is written")
}

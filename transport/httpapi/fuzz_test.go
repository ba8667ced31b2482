package httpapi

import (
	"bytes"
	"io"
	"net/http"
	"testing"

	"github.com/kpbot/kpbot/storage/dbtest"
)

// fuzzBody posts arbitrary bytes as a JSON body to path on a real server
// (SQLite) and fails on any 5xx. With a bearer token from a registered
// user when auth is true.
func fuzzBody(f *testing.F, path string, authed bool, seeds ...string) {
	e := newTestServer(f, dbtest.SQLite(f))
	var token string
	if authed {
		token = e.register("fuzz@example.com", "fuzz-password").AccessToken
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	client := e.ts.Client()
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := http.NewRequest(http.MethodPost, e.ts.URL+path, bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode >= 500 {
			t.Fatalf("POST %s %q: %d %s", path, body, res.StatusCode, raw)
		}
		if res.StatusCode >= 400 && res.Header.Get("Content-Type") != ProblemContentType {
			t.Fatalf("POST %s %q: %d without a problem body", path, body, res.StatusCode)
		}
	})
}

func FuzzRegisterBody(f *testing.F) {
	fuzzBody(f, "/api/auth/register", false,
		`{"email":"a@example.com","password":"password-123","name":"A"}`,
		`{"email":"a@example.com","password":"password-123","role":"admin"}`,
		`{"email":"\u0000@x.io","password":"\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000"}`,
		`{"email":"a@example.com","password":"short"}`,
		`{"email":[],"password":{}}`,
		`{"email":"a@example.com",`, `null`, ``, `[]`, `"x"`,
	)
}

func FuzzLoginBody(f *testing.F) {
	fuzzBody(f, "/api/auth/login", false,
		`{"email":"fuzz@example.com","password":"fuzz-password"}`,
		`{"email":"FUZZ@example.com ","password":"wrong"}`,
		`{"email":"","password":""}`, `{"email":1e999}`, `{}`, `{`,
	)
}

func FuzzRefreshBody(f *testing.F) {
	fuzzBody(f, "/api/auth/refresh", false,
		`{"refresh_token":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}`,
		`{"refresh_token":""}`, `{"refresh_token":null}`, `{"refresh_token":"\ud800"}`,
		`{"refresh_token":"x","extra":true}`, `{}`, `}`,
	)
}

func FuzzLogoutBody(f *testing.F) {
	fuzzBody(f, "/api/auth/logout", true,
		``, `{}`, `{"refresh_token":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}`, `{"refresh_token":5}`, `null`,
	)
}

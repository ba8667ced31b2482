package web_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
)

// newRobotsServer serves robots and a small HTML page at every other path.
func newRobotsServer(t *testing.T, robots string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/robots.txt" {
			fmt.Fprint(w, robots)
			return
		}
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprintf(w, "<html><body><p>%s</p></body></html>", r.URL.Path)
	}))
	t.Cleanup(srv.Close)
	return srv
}

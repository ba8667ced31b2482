// Command embed shows kpbot's auth inside your own net/http program: the
// kpbot auth API under /api/, and your own route guarded by its tokens.
package main

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"strings"

	"github.com/kpbot/kpbot/auth"
	"github.com/kpbot/kpbot/auth/jwt"
	"github.com/kpbot/kpbot/auth/password"
	"github.com/kpbot/kpbot/storage"
	"github.com/kpbot/kpbot/storage/bunstore"
	"github.com/kpbot/kpbot/storage/sqlite"
	"github.com/kpbot/kpbot/transport/httpapi"
	"github.com/kpbot/kpbot/transport/ratelimit"
)

func main() {
	h, err := newHandler(context.Background(), "file:embed.db", []byte("use-a-real-32-byte-secret-here!!"))
	if err != nil {
		log.Fatal(err)
	}
	log.Println("listening on http://localhost:8081")
	log.Fatal(http.ListenAndServe("localhost:8081", h))
}

// newHandler is the whole embedding: a store, a codec, a hasher, the
// service, kpbot's routes, and one route of your own.
func newHandler(ctx context.Context, dsn string, key []byte) (http.Handler, error) {
	db, err := sqlite.Open(ctx, dsn, storage.PoolConfig{})
	if err != nil {
		return nil, err
	}
	if err := bunstore.Migrate(ctx, db); err != nil {
		return nil, err
	}
	codec, err := jwt.New(jwt.Config{HS256Key: key})
	if err != nil {
		return nil, err
	}
	hasher, err := password.New(password.Config{Cost: 10})
	if err != nil {
		return nil, err
	}
	limiter := ratelimit.NewMemory()
	svc, err := auth.NewService(ctx, auth.Config{}, auth.Stores{Users: bunstore.NewUsers(db), Sessions: bunstore.NewSessions(db)}, codec, hasher, limiter)
	if err != nil {
		return nil, err
	}
	api, err := httpapi.New(httpapi.Config{}, httpapi.Deps{Auth: svc, Limiter: limiter})
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("/api/", api) // register, login, refresh, logout, me, sessions, admin
	mux.HandleFunc("GET /hello", func(w http.ResponseWriter, r *http.Request) {
		p, err := svc.Authenticate(r.Context(), strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))
		if err != nil {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		fmt.Fprintf(w, "hello %s, you are a %s\n", p.User.Email, p.Role())
	})
	return mux, nil
}

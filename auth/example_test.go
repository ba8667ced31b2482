package auth_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"golang.org/x/crypto/bcrypt"

	"github.com/kpbot/kpbot/auth"
	"github.com/kpbot/kpbot/auth/jwt"
	"github.com/kpbot/kpbot/auth/password"
	"github.com/kpbot/kpbot/storage"
	"github.com/kpbot/kpbot/storage/bunstore"
	"github.com/kpbot/kpbot/storage/sqlite"
	"github.com/kpbot/kpbot/transport/ratelimit"
)

// The session flow on SQLite in a temporary directory: register, log in,
// authenticate a request's access token, refresh (the refresh token
// rotates, and the old one, played back, ends the session).
func ExampleService() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "kpbot-example-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	db, err := sqlite.Open(ctx, "file:"+filepath.Join(dir, "kpbot.db"), storage.PoolConfig{})
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	if err := bunstore.Migrate(ctx, db); err != nil {
		log.Fatal(err)
	}

	codec, err := jwt.New(jwt.Config{HS256Key: bytes.Repeat([]byte("k"), 32)}) // use a random 32-byte secret
	if err != nil {
		log.Fatal(err)
	}
	hasher, err := password.New(password.Config{Cost: bcrypt.MinCost}) // the default cost in production
	if err != nil {
		log.Fatal(err)
	}
	svc, err := auth.NewService(ctx, auth.Config{}, auth.Stores{Users: bunstore.NewUsers(db), Sessions: bunstore.NewSessions(db)}, codec, hasher, ratelimit.NewMemory())
	if err != nil {
		log.Fatal(err)
	}
	client := auth.ClientInfo{UserAgent: "example", IP: "127.0.0.1"}

	reg, err := svc.Register(ctx, auth.RegisterInput{Email: "Ada@Example.com", Password: "correct horse battery", Name: "Ada"}, client)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("registered:", reg.User.Email, reg.User.Role)

	_, err = svc.Login(ctx, "ada@example.com", "wrong password", client)
	fmt.Println("wrong password:", errors.Is(err, auth.ErrInvalidCredentials))
	in, err := svc.Login(ctx, "ada@example.com", "correct horse battery", client)
	if err != nil {
		log.Fatal(err)
	}
	p, err := svc.Authenticate(ctx, in.Tokens.AccessToken)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("authenticated:", p.User.Email, p.User.ID == reg.User.ID)

	next, err := svc.Refresh(ctx, in.Tokens.RefreshToken, client)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("refreshed, same session:", next.Session.ID == in.Session.ID, "new refresh token:", next.Tokens.RefreshToken != in.Tokens.RefreshToken)
	_, err = svc.Refresh(ctx, in.Tokens.RefreshToken, client)
	fmt.Println("old refresh token again:", errors.Is(err, auth.ErrTokenReused))
	_, err = svc.Refresh(ctx, next.Tokens.RefreshToken, client)
	fmt.Println("session ended:", err != nil)
	// Output:
	// registered: ada@example.com user
	// wrong password: true
	// authenticated: ada@example.com true
	// refreshed, same session: true new refresh token: true
	// old refresh token again: true
	// session ended: true
}

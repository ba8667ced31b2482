package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/kpbot/kpbot/auth"
	"github.com/kpbot/kpbot/auth/jwt"
	"github.com/kpbot/kpbot/auth/password"
	"github.com/kpbot/kpbot/campaign"
	"github.com/kpbot/kpbot/events"
	"github.com/kpbot/kpbot/notify"
	"github.com/kpbot/kpbot/storage"
	"github.com/kpbot/kpbot/storage/bunstore"
	"github.com/kpbot/kpbot/storage/sqlite"
	"github.com/kpbot/kpbot/transport/eventbus"
	"github.com/kpbot/kpbot/transport/httpapi"
	"github.com/kpbot/kpbot/transport/realtime"
)

// wsServerHello is the first line the WebSocket server process prints.
type wsServerHello struct {
	URL   string `json:"url"`
	Token string `json:"token"`
	Topic string `json:"topic"`
}

// wsMemStats is the server process's memory after a full GC.
type wsMemStats struct {
	HeapInuse   uint64 `json:"heap_inuse"`
	HeapAlloc   uint64 `json:"heap_alloc"`
	StackInuse  uint64 `json:"stack_inuse"`
	Goroutines  int    `json:"goroutines"`
	Connections int    `json:"connections"`
}

// wsSentAt is the data of a load-test event: when it was published.
type wsSentAt struct {
	I      int   `json:"i"`
	SentAt int64 `json:"sent_at_ns"`
}

// wsServe is the server side of the WebSocket scenario, run in its own
// process so its memory is measured apart from the clients': the real
// httpapi server, auth service and hub (in-process Bus) on a fresh SQLite
// database, one user (its per-user socket limit lifted) and one campaign.
// It prints a wsServerHello line, then answers commands on in, one per
// line: "mem" prints wsMemStats, "publish M" publishes M events on the
// campaign topic through the Publisher and prints "done", "quit" exits.
// With profile set, the CPU is profiled from the first publish to quit.
func wsServe(ctx context.Context, in io.Reader, out io.Writer, profile string) error {
	raiseFileLimit()
	dir, err := os.MkdirTemp("", "kpbot-wsload-*")
	if err != nil {
		return fmt.Errorf("temp dir: %w", err)
	}
	defer os.RemoveAll(dir)
	db, err := sqlite.Open(ctx, "file:"+filepath.Join(dir, "kpbot.db"), storage.PoolConfig{})
	if err != nil {
		return fmt.Errorf("open SQLite: %w", err)
	}
	defer db.Close()
	if err := bunstore.Migrate(ctx, db); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	key, err := jwt.GenerateKey()
	if err != nil {
		return err
	}
	codec, err := jwt.New(jwt.Config{HS256Key: key})
	if err != nil {
		return err
	}
	hasher, err := password.New(password.Config{Cost: bcrypt.MinCost})
	if err != nil {
		return err
	}
	authSvc, err := auth.NewService(ctx, auth.Config{AccessTTL: time.Hour}, auth.Stores{Users: bunstore.NewUsers(db), Sessions: bunstore.NewSessions(db)}, codec, hasher, nil)
	if err != nil {
		return err
	}
	camps, err := campaign.NewService(campaign.Config{}, bunstore.NewCampaignStores(db))
	if err != nil {
		return err
	}
	logger := slog.New(slog.DiscardHandler)
	bus := eventbus.NewLocal()
	log := bunstore.NewEvents(db)
	pub, err := events.NewPublisher(log, bus)
	if err != nil {
		return err
	}
	hub, err := realtime.NewHub(realtime.HubConfig{MaxSocketsPerUser: -1, Logger: logger},
		realtime.HubDeps{Log: log, Bus: bus, Authorize: notify.NewTopicRights(camps, nil)})
	if err != nil {
		return err
	}
	srv, err := httpapi.New(httpapi.Config{Logger: logger, AuthRateLimit: -1}, httpapi.Deps{Auth: authSvc, Campaigns: camps,
		Mounts: []httpapi.Mounter{httpapi.MountFunc(func(s *httpapi.Server) error { return hub.Mount(s) })}})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	defer func() {
		cctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = hub.Close(cctx)
		_ = hs.Shutdown(cctx)
	}()

	res, err := authSvc.Register(ctx, auth.RegisterInput{Email: "load@ws.example.test", Password: "load-test-password"}, auth.ClientInfo{})
	if err != nil {
		return err
	}
	p, err := authSvc.Authenticate(ctx, res.Tokens.AccessToken)
	if err != nil {
		return err
	}
	c, err := camps.Create(ctx, p, campaign.CreateInput{Name: "ws load", Keywords: []string{"go"}})
	if err != nil {
		return err
	}
	topic := events.CampaignTopic(c.ID)
	enc := json.NewEncoder(out)
	if err := enc.Encode(wsServerHello{URL: "ws://" + ln.Addr().String() + "/api/ws", Token: res.Tokens.AccessToken, Topic: topic}); err != nil {
		return err
	}
	sc := bufio.NewScanner(in)
	for sc.Scan() {
		cmd, arg, _ := strings.Cut(strings.TrimSpace(sc.Text()), " ")
		switch cmd {
		case "mem":
			if err := enc.Encode(serverMem(hub)); err != nil {
				return err
			}
		case "publish":
			m, err := strconv.Atoi(arg)
			if err != nil {
				return fmt.Errorf("publish %q: %w", arg, err)
			}
			if profile != "" {
				stop, err := startProfile(profile)
				if err != nil {
					return err
				}
				defer stop()
				profile = ""
			}
			for i := range m {
				if _, err := pub.Publish(ctx, events.RunProgress, wsSentAt{I: i, SentAt: time.Now().UnixNano()}, topic); err != nil {
					return err
				}
			}
			if _, err := fmt.Fprintln(out, "done"); err != nil {
				return err
			}
		case "quit":
			return nil
		default:
			return fmt.Errorf("unknown command %q", cmd)
		}
	}
	return sc.Err()
}

func serverMem(hub *realtime.Hub) wsMemStats {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return wsMemStats{HeapInuse: ms.HeapInuse, HeapAlloc: ms.HeapAlloc, StackInuse: ms.StackInuse, Goroutines: runtime.NumGoroutine(), Connections: hub.Connections()}
}

// startProfile starts the CPU profile into path; stop ends it.
func startProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	return func() {
		pprof.StopCPUProfile()
		_ = f.Close()
	}, nil
}

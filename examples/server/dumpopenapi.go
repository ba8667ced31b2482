package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/kpbot/kpbot/examples/server/app"
)

// dumpFlag is the option that writes the OpenAPI document instead of
// serving: `go run ./examples/server -dump-openapi web/openapi.json`
// ("-" writes to stdout).
const dumpFlag = "dump-openapi"

// dumpTarget finds -dump-openapi FILE (or =FILE) among args and returns the
// file and the other arguments.
func dumpTarget(args []string) (file string, rest []string, ok bool) {
	for i := 0; i < len(args); i++ {
		a := strings.TrimLeft(args[i], "-")
		if len(a) == len(args[i]) || len(args[i])-len(a) > 2 {
			rest = append(rest, args[i])
			continue
		}
		switch {
		case a == dumpFlag && i+1 < len(args):
			file, ok = args[i+1], true
			i++
		case strings.HasPrefix(a, dumpFlag+"="):
			file, ok = strings.TrimPrefix(a, dumpFlag+"="), true
		default:
			rest = append(rest, args[i])
		}
	}
	return file, rest, ok
}

// dumpOpenAPI builds the whole server on a throwaway SQLite database (no
// listener, no job queue started) and writes its OpenAPI document,
// indented, to file.
func dumpOpenAPI(ctx context.Context, file string, args []string, getenv func(string) string, stdout io.Writer) error {
	dir, err := os.MkdirTemp("", "kpbot-openapi-")
	if err != nil {
		return fmt.Errorf("temp dir: %w", err)
	}
	defer os.RemoveAll(dir)
	cfg, err := app.LoadConfig(args, func(k string) string {
		switch k {
		case "KPBOT_DATABASE_URL":
			return "file:" + filepath.Join(dir, "openapi.db")
		case "KPBOT_REDIS_URL", "KPBOT_ADMIN_EMAIL", "KPBOT_ADMIN_PASSWORD":
			return ""
		case "KPBOT_JWT_SECRET":
			return strings.Repeat("k", 32) // never used to sign: nothing is served
		}
		return getenv(k)
	})
	if err != nil {
		return fmt.Errorf("configuration: %w", err)
	}
	a, cleanup, err := app.Build(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		return fmt.Errorf("build server: %w", err)
	}
	defer cleanup()
	doc, err := json.MarshalIndent(a.HTTP.API().OpenAPI(), "", "  ")
	if err != nil {
		return fmt.Errorf("encode OpenAPI document: %w", err)
	}
	doc = append(doc, '\n')
	if file == "-" {
		_, err = stdout.Write(doc)
		return err
	}
	if err := os.WriteFile(file, doc, 0o644); err != nil {
		return fmt.Errorf("write OpenAPI document: %w", err)
	}
	return nil
}

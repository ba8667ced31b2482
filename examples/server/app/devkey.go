package app

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/kpbot/kpbot/storage/sqlite"
)

// devKeyPath names the file that keeps a generated JWT key: beside the
// SQLite file, or in the working directory for PostgreSQL and in-memory
// SQLite.
func devKeyPath(databaseURL string) string {
	if isPostgresURL(databaseURL) {
		return ".kpbot-jwt-key"
	}
	p, memory, err := sqlite.FilePath(databaseURL)
	if err != nil || memory {
		return ".kpbot-jwt-key"
	}
	return p + ".jwt-key"
}

// loadOrCreateDevKey reads the hex key at path, or writes a new random
// 32-byte key there (mode 0600). created reports which happened.
func loadOrCreateDevKey(path string) (key []byte, created bool, err error) {
	b, err := os.ReadFile(path)
	if err == nil {
		key, err := hex.DecodeString(strings.TrimSpace(string(b)))
		if err != nil || len(key) < 32 {
			return nil, false, fmt.Errorf("dev JWT key %s is corrupt: delete it or set KPBOT_JWT_SECRET", path)
		}
		return key, false, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, false, fmt.Errorf("read dev JWT key: %w", err)
	}
	key = make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, false, fmt.Errorf("generate dev JWT key: %w", err)
	}
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, false, fmt.Errorf("create dev JWT key dir: %w", err)
		}
	}
	// O_EXCL: when two instances start at once, one writes and the other reads.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return loadOrCreateDevKey(path)
	}
	if err != nil {
		return nil, false, fmt.Errorf("write dev JWT key: %w", err)
	}
	if _, err := f.WriteString(hex.EncodeToString(key) + "\n"); err != nil {
		f.Close()
		return nil, false, fmt.Errorf("write dev JWT key: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, false, fmt.Errorf("write dev JWT key: %w", err)
	}
	return key, true, nil
}

package drilltest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

// privatePostgres is a PostgreSQL server of the test's own, in a fresh
// data directory on a free port, which the test may stop and start.
type privatePostgres struct {
	bin, dir, sockets string
	port              int
	asUser            string // run the binaries as this user ("" as ourselves)
}

// newPrivatePostgres initialises and starts a private PostgreSQL server.
// It skips the test when the binaries are missing, or when running as
// root with no "postgres" user to run them as (PostgreSQL refuses root).
func newPrivatePostgres(t *testing.T) *privatePostgres {
	t.Helper()
	bins, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pg_ctl")
	if len(bins) == 0 {
		if p, err := exec.LookPath("pg_ctl"); err == nil {
			bins = []string{p}
		} else {
			t.Skip("no PostgreSQL binaries (pg_ctl, initdb) in /usr/lib/postgresql/*/bin or PATH: skipping the PostgreSQL restart drill")
		}
	}
	sort.Strings(bins)
	pg := &privatePostgres{bin: filepath.Dir(bins[len(bins)-1])}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Skip("running as root and there is no postgres user to run a private PostgreSQL as: skipping the restart drill")
		}
		if _, err := exec.LookPath("runuser"); err != nil {
			t.Skip("running as root without runuser: skipping the restart drill")
		}
		pg.asUser = u.Username
	}
	// Not t.TempDir(): its parents are private to us, and the server may
	// run as another user.
	dir, err := os.MkdirTemp("", "kpbot-drill-pg-*")
	require.NoError(t, err)
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	require.NoError(t, os.Chmod(dir, 0o755))
	pg.dir = filepath.Join(dir, "data")
	pg.sockets = filepath.Join(dir, "sock")
	require.NoError(t, os.Mkdir(pg.sockets, 0o755))
	if pg.asUser != "" {
		out, err := exec.Command("chown", pg.asUser, pg.sockets, dir).CombinedOutput()
		require.NoError(t, err, "%s", out)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	pg.port = ln.Addr().(*net.TCPAddr).Port
	require.NoError(t, ln.Close())

	pg.run(t, "initdb", "-D", pg.dir, "-U", "postgres", "-A", "trust", "--no-sync", "--no-instructions", "-E", "UTF8")
	pg.start(t)
	t.Cleanup(func() {
		_ = pg.command("pg_ctl", "-D", pg.dir, "-m", "immediate", "-w", "stop").Run()
	})
	return pg
}

// dsn is the URL of the server's postgres database.
func (pg *privatePostgres) dsn() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable&connect_timeout=5", pg.port)
}

// start starts the server on its port and waits until it accepts
// connections.
func (pg *privatePostgres) start(t *testing.T) {
	t.Helper()
	opts := "-p " + strconv.Itoa(pg.port) + " -k " + pg.sockets + " -c listen_addresses=127.0.0.1 -c max_connections=60"
	pg.run(t, "pg_ctl", "-D", pg.dir, "-l", filepath.Join(pg.dir, "..", "server.log"), "-o", opts, "-w", "-t", "60", "start")
}

// stop shuts the server down the way an operator restarting it would
// (fast: sessions are cut, the data is checkpointed).
func (pg *privatePostgres) stop(t *testing.T) {
	t.Helper()
	pg.run(t, "pg_ctl", "-D", pg.dir, "-m", "fast", "-w", "-t", "60", "stop")
}

func (pg *privatePostgres) command(name string, args ...string) *exec.Cmd {
	path := filepath.Join(pg.bin, name)
	if pg.asUser == "" {
		return exec.Command(path, args...)
	}
	return exec.Command("runuser", append([]string{"-u", pg.asUser, "--", path}, args...)...)
}

func (pg *privatePostgres) run(t *testing.T, name string, args ...string) {
	t.Helper()
	cmd := pg.command(name, args...)
	cmd.Dir = os.TempDir()
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s %v: %s", name, args, out)
}

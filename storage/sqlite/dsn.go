package sqlite

import (
	"errors"
	"net/url"
	"strings"
)

// The connection settings every kpbot SQLite connection gets unless the DSN
// sets them itself.
var defaultPragmas = []struct{ name, value string }{
	{"busy_timeout", "10000"}, // wait up to 10 s for a lock instead of failing
	{"journal_mode", "WAL"},   // readers never block the writer
	{"foreign_keys", "1"},     // enforce REFERENCES and ON DELETE CASCADE
	{"synchronous", "NORMAL"}, // durable enough with WAL, far fewer fsyncs
}

// driverDSN turns a kpbot DSN (file:kpbot.db, file:/abs/path.db?x=y,
// sqlite:path.db, sqlite://path.db, :memory:, a plain path) into a modernc
// "file:" URI carrying the default pragmas and _txlock=immediate. It reports
// whether the database lives in memory, where every connection would open
// its own empty database.
func driverDSN(dsn string) (uri string, memory bool, err error) {
	path, query := splitDSN(dsn)
	if !strings.HasPrefix(path, "file:") {
		path = "file:" + escapePath(path)
	}
	if path == "file:" {
		return "", false, errors.New("sqlite: empty database path in DSN")
	}
	q, err := url.ParseQuery(query)
	if err != nil {
		return "", false, err
	}
	memory = strings.TrimPrefix(path, "file:") == ":memory:" || q.Get("mode") == "memory"

	var extra []string
	for _, p := range defaultPragmas {
		if memory && p.name == "journal_mode" {
			continue // an in-memory database has no WAL
		}
		if !pragmaSet(q, p.name) {
			extra = append(extra, "_pragma="+p.name+"("+p.value+")")
		}
	}
	if q.Get("_txlock") == "" {
		// BEGIN IMMEDIATE takes the write lock up front, so two write
		// transactions queue on busy_timeout instead of deadlocking when
		// both try to upgrade a read lock.
		extra = append(extra, "_txlock=immediate")
	}
	if query != "" {
		extra = append([]string{query}, extra...)
	}
	return path + "?" + strings.Join(extra, "&"), memory, nil
}

// splitDSN strips the sqlite: and sqlite:// prefixes kpbot accepts and
// splits the rest at its query.
func splitDSN(dsn string) (path, query string) {
	s := strings.TrimSpace(dsn)
	switch {
	case strings.HasPrefix(s, "sqlite://"):
		s = strings.TrimPrefix(s, "sqlite://")
	case strings.HasPrefix(s, "sqlite:"):
		s = strings.TrimPrefix(s, "sqlite:")
	}
	path, query, _ = strings.Cut(s, "?")
	return path, query
}

// FilePath returns the file a kpbot SQLite DSN names (as Open reads it),
// and whether the database lives in memory instead.
func FilePath(dsn string) (path string, memory bool, err error) {
	p, query := splitDSN(dsn)
	p = strings.TrimPrefix(p, "file:")
	if p == "" {
		return "", false, errors.New("sqlite: empty database path in DSN")
	}
	q, err := url.ParseQuery(query)
	if err != nil {
		return "", false, err
	}
	return p, p == ":memory:" || q.Get("mode") == "memory", nil
}

// pragmaSet reports whether the DSN query already sets the named pragma,
// through _pragma or one of modernc's shorthand keys.
func pragmaSet(q url.Values, name string) bool {
	for _, v := range q["_pragma"] {
		v = strings.ToLower(strings.TrimSpace(v))
		if strings.HasPrefix(v, name) {
			return true
		}
	}
	shorthand := map[string][]string{
		"busy_timeout": {"_busy_timeout", "_timeout"},
		"journal_mode": {"_journal_mode", "_journal"},
		"foreign_keys": {"_foreign_keys", "_fk"},
		"synchronous":  {"_synchronous", "_sync"},
	}
	for _, k := range shorthand[name] {
		if q.Has(k) {
			return true
		}
	}
	return false
}

// escapePath percent-encodes the characters a SQLite URI path would
// otherwise misread.
func escapePath(p string) string {
	return strings.NewReplacer("%", "%25", "#", "%23").Replace(p)
}

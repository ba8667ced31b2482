package bunstore

import (
	"database/sql"
	"errors"
	"fmt"

	"github.com/kpbot/kpbot/storage"
)

// SQLite's extended result codes for uniqueness violations.
const (
	sqliteConstraintPrimaryKey = 1555 // SQLITE_CONSTRAINT_PRIMARYKEY
	sqliteConstraintUnique     = 2067 // SQLITE_CONSTRAINT_UNIQUE
)

// SQLite's extended result code for a foreign-key violation.
const sqliteConstraintForeignKey = 787 // SQLITE_CONSTRAINT_FOREIGNKEY

// PostgreSQL's SQLSTATEs for a unique and a foreign-key violation.
const (
	pgUniqueViolation     = "23505"
	pgForeignKeyViolation = "23503"
)

// sqliteError is implemented by modernc.org/sqlite's *Error; matching the
// method keeps this package free of driver imports.
type sqliteError interface {
	error
	Code() int
}

// pgError is implemented by pgx's *pgconn.PgError.
type pgError interface {
	error
	SQLState() string
}

// mapErr turns driver errors into the storage sentinels: no rows is
// storage.ErrNotFound, a unique violation storage.ErrConflict (still
// wrapping the driver's error for its detail). Other errors pass through.
func mapErr(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return storage.ErrNotFound
	}
	if isUniqueViolation(err) {
		return fmt.Errorf("%w: %w", storage.ErrConflict, err)
	}
	return err
}

// isUniqueViolation reports whether err is a primary-key or unique
// constraint violation from SQLite or PostgreSQL.
func isUniqueViolation(err error) bool {
	if se, ok := errors.AsType[sqliteError](err); ok {
		c := se.Code()
		return c == sqliteConstraintUnique || c == sqliteConstraintPrimaryKey
	}
	if pe, ok := errors.AsType[pgError](err); ok {
		return pe.SQLState() == pgUniqueViolation
	}
	return false
}

// isForeignKeyViolation reports whether err is a foreign-key violation
// from SQLite or PostgreSQL: a row named a parent that does not exist.
func isForeignKeyViolation(err error) bool {
	if se, ok := errors.AsType[sqliteError](err); ok {
		return se.Code() == sqliteConstraintForeignKey
	}
	if pe, ok := errors.AsType[pgError](err); ok {
		return pe.SQLState() == pgForeignKeyViolation
	}
	return false
}

// mapMissingParent is mapErr, except that a foreign-key violation (the
// row's parent does not exist) is storage.ErrNotFound, still wrapping the
// driver's error for its detail. Writes whose port reports an unknown
// parent as not found use it.
func mapMissingParent(err error) error {
	if err != nil && isForeignKeyViolation(err) {
		return fmt.Errorf("%w: %w", storage.ErrNotFound, err)
	}
	return mapErr(err)
}

// Package bunstore implements kpbot's store ports with bun, on SQLite and
// PostgreSQL alike: the models, the repositories and the embedded schema
// migrations. Repositories hold a bun.IDB, so they work on a *bun.DB and
// inside a bun.Tx.
package bunstore

package bunstore

// SetPruneBatch makes Prune delete at most n events a statement, for
// tests of a backlog larger than one batch.
func SetPruneBatch(st *Events, n int) { st.batch = n }

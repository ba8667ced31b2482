// Package drilltest holds the operator drills of the example server as
// tests: several instances on one PostgreSQL (and Redis) behind a
// round-robin proxy, and PostgreSQL restarted under load. The drills live
// in its _test files; they skip, saying so, where KPBOT_TEST_POSTGRES_DSN
// (and for PostgreSQL restarts, the PostgreSQL binaries) are missing. See
// README.md, Tests.
package drilltest

// Package auth holds kpbot's accounts domain: users, roles and permissions,
// sessions with rotating refresh tokens, and the Service that registers,
// logs in, refreshes, authenticates and revokes. It defines the ports it
// needs (stores, token codec, password hasher, rate limiter) and imports no
// adapter; the subpackages and storage/bunstore provide the adapters.
package auth

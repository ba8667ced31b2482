CREATE TABLE kpbot_users (
    id            TEXT    NOT NULL PRIMARY KEY,
    email         TEXT    NOT NULL UNIQUE,
    name          TEXT    NOT NULL DEFAULT '',
    role          TEXT    NOT NULL,
    password_hash BLOB    NOT NULL,
    disabled      BOOLEAN NOT NULL DEFAULT FALSE,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);
--bun:split
CREATE UNIQUE INDEX kpbot_users_email_lower_key ON kpbot_users (lower(email));
--bun:split
CREATE TABLE kpbot_sessions (
    id           TEXT      NOT NULL PRIMARY KEY,
    user_id      TEXT      NOT NULL REFERENCES kpbot_users (id) ON DELETE CASCADE,
    created_at   TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP NOT NULL,
    expires_at   TIMESTAMP NOT NULL,
    revoked_at   TIMESTAMP,
    user_agent   TEXT      NOT NULL DEFAULT '',
    ip           TEXT      NOT NULL DEFAULT '',
    generation   INTEGER   NOT NULL DEFAULT 1
);
--bun:split
CREATE INDEX kpbot_sessions_user_id_idx ON kpbot_sessions (user_id, created_at, id);
--bun:split
CREATE TABLE kpbot_refresh_tokens (
    hash       BLOB      NOT NULL PRIMARY KEY,
    session_id TEXT      NOT NULL REFERENCES kpbot_sessions (id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    rotated_at TIMESTAMP,
    generation INTEGER   NOT NULL
);
--bun:split
CREATE INDEX kpbot_refresh_tokens_session_id_idx ON kpbot_refresh_tokens (session_id);

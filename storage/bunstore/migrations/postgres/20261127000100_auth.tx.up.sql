-- IDs use the "C" collation so ORDER BY id is plain byte order (UUIDv7
-- strings sort by time) whatever the database's locale.
CREATE TABLE kpbot_users (
    id            text COLLATE "C" NOT NULL PRIMARY KEY,
    email         text        NOT NULL UNIQUE,
    name          text        NOT NULL DEFAULT '',
    role          text        NOT NULL,
    password_hash bytea       NOT NULL,
    disabled      boolean     NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL
);
--bun:split
CREATE UNIQUE INDEX kpbot_users_email_lower_key ON kpbot_users (lower(email));
--bun:split
CREATE TABLE kpbot_sessions (
    id           text COLLATE "C" NOT NULL PRIMARY KEY,
    user_id      text COLLATE "C" NOT NULL REFERENCES kpbot_users (id) ON DELETE CASCADE,
    created_at   timestamptz NOT NULL,
    last_used_at timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL,
    revoked_at   timestamptz,
    user_agent   text        NOT NULL DEFAULT '',
    ip           text        NOT NULL DEFAULT '',
    generation   integer     NOT NULL DEFAULT 1
);
--bun:split
CREATE INDEX kpbot_sessions_user_id_idx ON kpbot_sessions (user_id, created_at, id);
--bun:split
CREATE TABLE kpbot_refresh_tokens (
    hash       bytea       NOT NULL PRIMARY KEY,
    session_id text COLLATE "C" NOT NULL REFERENCES kpbot_sessions (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL,
    rotated_at timestamptz,
    generation integer     NOT NULL
);
--bun:split
CREATE INDEX kpbot_refresh_tokens_session_id_idx ON kpbot_refresh_tokens (session_id);

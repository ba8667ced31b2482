-- Tokens sent by e-mail (password reset, e-mail verification, change of
-- address, invitation): only their SHA-256 is kept. user_id is NULL for an
-- invitation and for a reset asked for an address with no account.
CREATE TABLE kpbot_account_tokens (
    hash       bytea     NOT NULL PRIMARY KEY,
    purpose    text      NOT NULL,
    user_id    text COLLATE "C" REFERENCES kpbot_users (id) ON DELETE CASCADE,
    email      text      NOT NULL,
    role       text      NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    used_at    timestamptz
);
--bun:split
CREATE INDEX kpbot_account_tokens_user_idx ON kpbot_account_tokens (user_id, purpose) WHERE used_at IS NULL;
--bun:split
CREATE INDEX kpbot_account_tokens_email_idx ON kpbot_account_tokens (email, purpose) WHERE used_at IS NULL;
--bun:split
CREATE INDEX kpbot_account_tokens_expires_idx ON kpbot_account_tokens (expires_at);
--bun:split
ALTER TABLE kpbot_users ADD COLUMN email_verified_at timestamptz;

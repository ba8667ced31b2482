-- Tokens sent by e-mail (password reset, e-mail verification, change of
-- address, invitation): only their SHA-256 is kept. user_id is NULL for an
-- invitation and for a reset asked for an address with no account.
CREATE TABLE kpbot_account_tokens (
    hash       BLOB      NOT NULL PRIMARY KEY,
    purpose    TEXT      NOT NULL,
    user_id    TEXT      REFERENCES kpbot_users (id) ON DELETE CASCADE,
    email      TEXT      NOT NULL,
    role       TEXT      NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at    TIMESTAMP
);
--bun:split
CREATE INDEX kpbot_account_tokens_user_idx ON kpbot_account_tokens (user_id, purpose) WHERE used_at IS NULL;
--bun:split
CREATE INDEX kpbot_account_tokens_email_idx ON kpbot_account_tokens (email, purpose) WHERE used_at IS NULL;
--bun:split
CREATE INDEX kpbot_account_tokens_expires_idx ON kpbot_account_tokens (expires_at);
--bun:split
ALTER TABLE kpbot_users ADD COLUMN email_verified_at TIMESTAMP;

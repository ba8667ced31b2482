-- Notifications of a user, newest first by id (UUIDv7). data is JSON text.
-- Deleting a user deletes their notifications.
CREATE TABLE kpbot_notifications (
    id         TEXT      NOT NULL PRIMARY KEY,
    user_id    TEXT      NOT NULL REFERENCES kpbot_users (id) ON DELETE CASCADE,
    kind       TEXT      NOT NULL,
    title      TEXT      NOT NULL,
    body       TEXT      NOT NULL DEFAULT '',
    data       TEXT      NOT NULL DEFAULT '{}',
    read_at    TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
--bun:split
CREATE INDEX kpbot_notifications_user_idx ON kpbot_notifications (user_id, id);
--bun:split
CREATE INDEX kpbot_notifications_unread_idx ON kpbot_notifications (user_id, id) WHERE read_at IS NULL;

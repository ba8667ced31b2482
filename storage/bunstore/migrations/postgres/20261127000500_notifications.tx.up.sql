-- Notifications of a user, newest first by id (UUIDv7). data is JSON text.
-- Deleting a user deletes their notifications.
CREATE TABLE kpbot_notifications (
    id         text COLLATE "C" NOT NULL PRIMARY KEY,
    user_id    text COLLATE "C" NOT NULL REFERENCES kpbot_users (id) ON DELETE CASCADE,
    kind       text        NOT NULL,
    title      text        NOT NULL,
    body       text        NOT NULL DEFAULT '',
    data       text        NOT NULL DEFAULT '{}',
    read_at    timestamptz,
    created_at timestamptz NOT NULL
);
--bun:split
CREATE INDEX kpbot_notifications_user_idx ON kpbot_notifications (user_id, id);
--bun:split
CREATE INDEX kpbot_notifications_unread_idx ON kpbot_notifications (user_id, id) WHERE read_at IS NULL;

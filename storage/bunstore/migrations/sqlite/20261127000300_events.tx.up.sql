-- One counter row per topic: appends take the topic's next seq from it
-- inside their transaction, and retention never deletes it, so seqs are
-- never reused.
CREATE TABLE kpbot_event_topics (
    topic    TEXT    NOT NULL PRIMARY KEY,
    last_seq INTEGER NOT NULL
);
--bun:split
CREATE TABLE kpbot_events (
    topic TEXT      NOT NULL,
    seq   INTEGER   NOT NULL,
    name  TEXT      NOT NULL,
    data  TEXT      NOT NULL,
    at    TIMESTAMP NOT NULL,
    PRIMARY KEY (topic, seq)
) WITHOUT ROWID;
--bun:split
CREATE INDEX kpbot_events_at_idx ON kpbot_events (at);

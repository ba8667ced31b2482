-- One counter row per topic: appends take the topic's next seq from it
-- inside their transaction (its row lock serialises appends to a topic),
-- and retention never deletes it, so seqs are never reused.
CREATE TABLE kpbot_event_topics (
    topic    text COLLATE "C" NOT NULL PRIMARY KEY,
    last_seq bigint NOT NULL
);
--bun:split
CREATE TABLE kpbot_events (
    topic text COLLATE "C" NOT NULL,
    seq   bigint      NOT NULL,
    name  text        NOT NULL,
    data  jsonb       NOT NULL,
    at    timestamptz NOT NULL,
    PRIMARY KEY (topic, seq)
);
--bun:split
CREATE INDEX kpbot_events_at_idx ON kpbot_events (at);

-- Crew runs of a campaign. Steps, stats and the brief are JSON text.
-- Deleting a campaign deletes its runs.
CREATE TABLE kpbot_runs (
    id             TEXT      NOT NULL PRIMARY KEY,
    campaign_id    TEXT      NOT NULL REFERENCES kpbot_campaigns (id) ON DELETE CASCADE,
    owner_id       TEXT      NOT NULL,
    status         TEXT      NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
    progress       REAL      NOT NULL DEFAULT 0,
    steps          TEXT      NOT NULL DEFAULT '[]',
    stats          TEXT      NOT NULL DEFAULT '{}',
    usage_tokens   INTEGER   NOT NULL DEFAULT 0,
    usage_cost_usd REAL      NOT NULL DEFAULT 0,
    error          TEXT      NOT NULL DEFAULT '',
    brief          TEXT      NOT NULL DEFAULT '{}',
    job_id         INTEGER   NOT NULL DEFAULT 0,
    attempts       INTEGER   NOT NULL DEFAULT 0,
    created_at     TIMESTAMP NOT NULL,
    started_at     TIMESTAMP,
    finished_at    TIMESTAMP
);
--bun:split
CREATE INDEX kpbot_runs_campaign_id_idx ON kpbot_runs (campaign_id, id);
--bun:split
CREATE INDEX kpbot_runs_active_owner_idx ON kpbot_runs (owner_id) WHERE status IN ('queued', 'running');

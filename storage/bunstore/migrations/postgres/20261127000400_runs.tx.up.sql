-- Crew runs of a campaign. Steps, stats and the brief are JSON text.
-- Deleting a campaign deletes its runs.
CREATE TABLE kpbot_runs (
    id             text COLLATE "C" NOT NULL PRIMARY KEY,
    campaign_id    text COLLATE "C" NOT NULL REFERENCES kpbot_campaigns (id) ON DELETE CASCADE,
    owner_id       text COLLATE "C" NOT NULL,
    status         text             NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
    progress       double precision NOT NULL DEFAULT 0,
    steps          text             NOT NULL DEFAULT '[]',
    stats          text             NOT NULL DEFAULT '{}',
    usage_tokens   bigint           NOT NULL DEFAULT 0,
    usage_cost_usd double precision NOT NULL DEFAULT 0,
    error          text             NOT NULL DEFAULT '',
    brief          text             NOT NULL DEFAULT '{}',
    job_id         bigint           NOT NULL DEFAULT 0,
    attempts       integer          NOT NULL DEFAULT 0,
    created_at     timestamptz      NOT NULL,
    started_at     timestamptz,
    finished_at    timestamptz
);
--bun:split
CREATE INDEX kpbot_runs_campaign_id_idx ON kpbot_runs (campaign_id, id);
--bun:split
CREATE INDEX kpbot_runs_active_owner_idx ON kpbot_runs (owner_id) WHERE status IN ('queued', 'running');

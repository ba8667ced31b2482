-- Campaigns, the prospects found for them and the drafts written for the
-- prospects. Lists (keywords, seed URLs, topics, flags, edit history) are
-- JSON text, as on PostgreSQL. Deleting a campaign deletes its prospects
-- and drafts (and, through their own foreign keys, its runs).
CREATE TABLE kpbot_campaigns (
    id                 TEXT      NOT NULL PRIMARY KEY,
    owner_id           TEXT      NOT NULL REFERENCES kpbot_users (id) ON DELETE CASCADE,
    name               TEXT      NOT NULL,
    keywords           TEXT      NOT NULL DEFAULT '[]',
    seed_urls          TEXT      NOT NULL DEFAULT '[]',
    topics             TEXT      NOT NULL DEFAULT '[]',
    language           TEXT      NOT NULL DEFAULT 'en',
    tone               TEXT      NOT NULL DEFAULT '',
    max_prospects      INTEGER   NOT NULL,
    comment_guidelines TEXT      NOT NULL DEFAULT '',
    allow_links        BOOLEAN   NOT NULL DEFAULT FALSE,
    daily_draft_limit  INTEGER   NOT NULL,
    status             TEXT      NOT NULL CHECK (status IN ('active', 'archived')),
    created_at         TIMESTAMP NOT NULL,
    updated_at         TIMESTAMP NOT NULL
);
--bun:split
CREATE INDEX kpbot_campaigns_owner_id_idx ON kpbot_campaigns (owner_id, id);
--bun:split
CREATE TABLE kpbot_prospects (
    id               TEXT      NOT NULL PRIMARY KEY,
    campaign_id      TEXT      NOT NULL REFERENCES kpbot_campaigns (id) ON DELETE CASCADE,
    url              TEXT      NOT NULL,
    canonical_url    TEXT      NOT NULL,
    site             TEXT      NOT NULL DEFAULT '',
    title            TEXT      NOT NULL DEFAULT '',
    author           TEXT      NOT NULL DEFAULT '',
    published_at     TIMESTAMP,
    summary          TEXT      NOT NULL DEFAULT '',
    main_text        TEXT      NOT NULL DEFAULT '',
    relevance        REAL      NOT NULL DEFAULT 0,
    accepts_comments BOOLEAN   NOT NULL DEFAULT FALSE,
    comment_system   TEXT      NOT NULL DEFAULT 'none',
    run_id           TEXT      NOT NULL DEFAULT '',
    created_at       TIMESTAMP NOT NULL,
    updated_at       TIMESTAMP NOT NULL,
    CONSTRAINT kpbot_prospects_campaign_canonical_key UNIQUE (campaign_id, canonical_url)
);
--bun:split
CREATE INDEX kpbot_prospects_campaign_id_idx ON kpbot_prospects (campaign_id, id);
--bun:split
CREATE TABLE kpbot_drafts (
    id            TEXT      NOT NULL PRIMARY KEY,
    campaign_id   TEXT      NOT NULL REFERENCES kpbot_campaigns (id) ON DELETE CASCADE,
    prospect_id   TEXT      NOT NULL REFERENCES kpbot_prospects (id) ON DELETE CASCADE,
    body          TEXT      NOT NULL,
    status        TEXT      NOT NULL CHECK (status IN ('draft', 'approved', 'rejected')),
    score         INTEGER   NOT NULL DEFAULT 0,
    flags         TEXT      NOT NULL DEFAULT '[]',
    reviewed_by   TEXT      REFERENCES kpbot_users (id) ON DELETE SET NULL,
    reviewed_at   TIMESTAMP,
    reject_reason TEXT      NOT NULL DEFAULT '',
    edits         TEXT      NOT NULL DEFAULT '[]',
    edit_count    INTEGER   NOT NULL DEFAULT 0,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL,
    CONSTRAINT kpbot_drafts_prospect_id_key UNIQUE (prospect_id)
);
--bun:split
CREATE INDEX kpbot_drafts_campaign_status_idx ON kpbot_drafts (campaign_id, status, id);
--bun:split
CREATE INDEX kpbot_drafts_campaign_id_idx ON kpbot_drafts (campaign_id, id);
--bun:split
CREATE INDEX kpbot_drafts_reviewed_by_idx ON kpbot_drafts (reviewed_by);

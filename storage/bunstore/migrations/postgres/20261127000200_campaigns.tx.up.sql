-- Campaigns, the prospects found for them and the drafts written for the
-- prospects. Lists (keywords, seed URLs, topics, flags, edit history) are
-- JSON text, as on SQLite. Deleting a campaign deletes its prospects and
-- drafts (and, through their own foreign keys, its runs).
CREATE TABLE kpbot_campaigns (
    id                 text COLLATE "C" NOT NULL PRIMARY KEY,
    owner_id           text COLLATE "C" NOT NULL REFERENCES kpbot_users (id) ON DELETE CASCADE,
    name               text        NOT NULL,
    keywords           text        NOT NULL DEFAULT '[]',
    seed_urls          text        NOT NULL DEFAULT '[]',
    topics             text        NOT NULL DEFAULT '[]',
    language           text        NOT NULL DEFAULT 'en',
    tone               text        NOT NULL DEFAULT '',
    max_prospects      integer     NOT NULL,
    comment_guidelines text        NOT NULL DEFAULT '',
    allow_links        boolean     NOT NULL DEFAULT false,
    daily_draft_limit  integer     NOT NULL,
    status             text        NOT NULL CHECK (status IN ('active', 'archived')),
    created_at         timestamptz NOT NULL,
    updated_at         timestamptz NOT NULL
);
--bun:split
CREATE INDEX kpbot_campaigns_owner_id_idx ON kpbot_campaigns (owner_id, id);
--bun:split
CREATE TABLE kpbot_prospects (
    id               text COLLATE "C" NOT NULL PRIMARY KEY,
    campaign_id      text COLLATE "C" NOT NULL REFERENCES kpbot_campaigns (id) ON DELETE CASCADE,
    url              text             NOT NULL,
    canonical_url    text             NOT NULL,
    site             text             NOT NULL DEFAULT '',
    title            text             NOT NULL DEFAULT '',
    author           text             NOT NULL DEFAULT '',
    published_at     timestamptz,
    summary          text             NOT NULL DEFAULT '',
    main_text        text             NOT NULL DEFAULT '',
    relevance        double precision NOT NULL DEFAULT 0,
    accepts_comments boolean          NOT NULL DEFAULT false,
    comment_system   text             NOT NULL DEFAULT 'none',
    run_id           text COLLATE "C" NOT NULL DEFAULT '',
    created_at       timestamptz      NOT NULL,
    updated_at       timestamptz      NOT NULL,
    CONSTRAINT kpbot_prospects_campaign_canonical_key UNIQUE (campaign_id, canonical_url)
);
--bun:split
CREATE INDEX kpbot_prospects_campaign_id_idx ON kpbot_prospects (campaign_id, id);
--bun:split
CREATE TABLE kpbot_drafts (
    id            text COLLATE "C" NOT NULL PRIMARY KEY,
    campaign_id   text COLLATE "C" NOT NULL REFERENCES kpbot_campaigns (id) ON DELETE CASCADE,
    prospect_id   text COLLATE "C" NOT NULL REFERENCES kpbot_prospects (id) ON DELETE CASCADE,
    body          text        NOT NULL,
    status        text        NOT NULL CHECK (status IN ('draft', 'approved', 'rejected')),
    score         integer     NOT NULL DEFAULT 0,
    flags         text        NOT NULL DEFAULT '[]',
    reviewed_by   text COLLATE "C" REFERENCES kpbot_users (id) ON DELETE SET NULL,
    reviewed_at   timestamptz,
    reject_reason text        NOT NULL DEFAULT '',
    edits         text        NOT NULL DEFAULT '[]',
    edit_count    integer     NOT NULL DEFAULT 0,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL,
    CONSTRAINT kpbot_drafts_prospect_id_key UNIQUE (prospect_id)
);
--bun:split
CREATE INDEX kpbot_drafts_campaign_status_idx ON kpbot_drafts (campaign_id, status, id);
--bun:split
CREATE INDEX kpbot_drafts_campaign_id_idx ON kpbot_drafts (campaign_id, id);
--bun:split
CREATE INDEX kpbot_drafts_reviewed_by_idx ON kpbot_drafts (reviewed_by);

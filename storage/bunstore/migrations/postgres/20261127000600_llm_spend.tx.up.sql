-- LLM spending per budget key (a campaign, usually) and UTC day, shared by
-- every instance. Old days are deleted by the budget as it goes.
CREATE TABLE kpbot_llm_spend (
    key      text COLLATE "C" NOT NULL,
    day      text COLLATE "C" NOT NULL, -- YYYY-MM-DD, UTC
    tokens   bigint           NOT NULL DEFAULT 0,
    cost_usd double precision NOT NULL DEFAULT 0,
    PRIMARY KEY (key, day)
);

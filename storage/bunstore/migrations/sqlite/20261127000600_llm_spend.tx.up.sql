-- LLM spending per budget key (a campaign, usually) and UTC day, shared by
-- every instance. Old days are deleted by the budget as it goes.
CREATE TABLE kpbot_llm_spend (
    key      TEXT    NOT NULL,
    day      TEXT    NOT NULL,
    tokens   INTEGER NOT NULL DEFAULT 0,
    cost_usd REAL    NOT NULL DEFAULT 0,
    PRIMARY KEY (key, day)
);

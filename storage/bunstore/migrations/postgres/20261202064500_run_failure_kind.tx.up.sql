-- Why a failed or cancelled run ended (agents.FailureKind): budget,
-- cancelled, llm_unavailable, research or internal; '' while it has not.
-- Runs finished before this migration are classified once from what they
-- stored: the budget's sentinel message in their error, or their status.
ALTER TABLE kpbot_runs ADD COLUMN failure_kind TEXT NOT NULL DEFAULT '';
--bun:split
UPDATE kpbot_runs SET failure_kind = CASE
    WHEN status = 'cancelled' THEN 'cancelled'
    WHEN error LIKE '%llm budget exceeded%' THEN 'budget'
    WHEN error LIKE '%llm rate limited%' THEN 'llm_unavailable'
    WHEN error LIKE '%no source could be read%' THEN 'research'
    ELSE 'internal'
END
WHERE status IN ('failed', 'cancelled');

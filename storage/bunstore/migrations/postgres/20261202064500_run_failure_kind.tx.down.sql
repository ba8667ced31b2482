ALTER TABLE kpbot_runs DROP COLUMN failure_kind;

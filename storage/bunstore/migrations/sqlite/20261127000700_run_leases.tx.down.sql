ALTER TABLE kpbot_runs DROP COLUMN lease_expires_ms;
--bun:split
ALTER TABLE kpbot_runs DROP COLUMN lease_holder;

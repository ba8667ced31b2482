ALTER TABLE kpbot_prospects DROP COLUMN IF EXISTS dir;
--bun:split
ALTER TABLE kpbot_prospects DROP COLUMN IF EXISTS language;

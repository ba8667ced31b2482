ALTER TABLE kpbot_prospects DROP COLUMN dir;
--bun:split
ALTER TABLE kpbot_prospects DROP COLUMN language;

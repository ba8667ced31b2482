-- The language and text direction of a prospect's post, as the analyst
-- read them ("" when unknown).
ALTER TABLE kpbot_prospects ADD COLUMN language TEXT NOT NULL DEFAULT '';
--bun:split
ALTER TABLE kpbot_prospects ADD COLUMN dir TEXT NOT NULL DEFAULT '';

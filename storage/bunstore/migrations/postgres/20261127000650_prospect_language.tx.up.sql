-- The language and text direction of a prospect's post, as the analyst
-- read them ("" when unknown). IF NOT EXISTS: a database that ran this
-- migration under an earlier number is left as it is.
ALTER TABLE kpbot_prospects ADD COLUMN IF NOT EXISTS language TEXT NOT NULL DEFAULT '';
--bun:split
ALTER TABLE kpbot_prospects ADD COLUMN IF NOT EXISTS dir TEXT NOT NULL DEFAULT '';

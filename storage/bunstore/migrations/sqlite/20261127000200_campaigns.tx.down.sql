DROP TABLE kpbot_drafts;
--bun:split
DROP TABLE kpbot_prospects;
--bun:split
DROP TABLE kpbot_campaigns;

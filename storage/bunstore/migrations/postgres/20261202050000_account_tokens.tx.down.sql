ALTER TABLE kpbot_users DROP COLUMN email_verified_at;
--bun:split
DROP TABLE kpbot_account_tokens;

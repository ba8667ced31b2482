DROP INDEX kpbot_users_email_skeleton_key;
--bun:split
DROP INDEX kpbot_users_email_key_key;
--bun:split
ALTER TABLE kpbot_users DROP COLUMN email_skeleton;
--bun:split
ALTER TABLE kpbot_users DROP COLUMN email_key;

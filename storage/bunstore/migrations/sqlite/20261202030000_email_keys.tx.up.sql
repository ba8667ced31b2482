-- Each user gets an email key (the canonical address login looks up) and a
-- look-alike skeleton (refuses confusable registrations), both unique; see
-- auth.ParseEmail. Every row first takes its legacy key ('legacy ' and the
-- stored address, which login tries first); the Go step of this migration
-- (fillEmailKeys in migrate_emailkeys.go) then gives each row its
-- canonical key and skeleton unless an older row already holds them.
ALTER TABLE kpbot_users ADD COLUMN email_key TEXT;
--bun:split
ALTER TABLE kpbot_users ADD COLUMN email_skeleton TEXT;
--bun:split
UPDATE kpbot_users SET email_key = 'legacy ' || email, email_skeleton = 'legacy ' || email;
--bun:split
CREATE UNIQUE INDEX kpbot_users_email_key_key ON kpbot_users (email_key);
--bun:split
CREATE UNIQUE INDEX kpbot_users_email_skeleton_key ON kpbot_users (email_skeleton);

DROP TABLE kpbot_refresh_tokens;
--bun:split
DROP TABLE kpbot_sessions;
--bun:split
DROP TABLE kpbot_users;

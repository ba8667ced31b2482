DROP TABLE kpbot_events;
--bun:split
DROP TABLE kpbot_event_topics;

DROP TABLE kpbot_http_rollups;

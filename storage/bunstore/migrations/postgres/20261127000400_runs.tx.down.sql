DROP TABLE kpbot_runs;

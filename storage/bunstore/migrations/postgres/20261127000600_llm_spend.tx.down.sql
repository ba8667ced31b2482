DROP TABLE kpbot_llm_spend;

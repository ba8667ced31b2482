DROP TABLE kpbot_notifications;

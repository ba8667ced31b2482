-- The lease an executing run holds: its holder renews lease_expires_ms
-- (milliseconds since the epoch, by the database's clock) every few
-- seconds; once it lapses, another instance may take the run over. See
-- agents.RunStore.AcquireLease.
ALTER TABLE kpbot_runs ADD COLUMN lease_holder TEXT NOT NULL DEFAULT '';
--bun:split
ALTER TABLE kpbot_runs ADD COLUMN lease_expires_ms INTEGER NOT NULL DEFAULT 0;

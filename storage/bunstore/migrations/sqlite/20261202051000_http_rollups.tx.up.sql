-- Minute rollups of HTTP traffic per instance and route, written by every
-- instance and merged on read by GET /api/admin/analytics. bins holds the
-- non-zero latency bins as "index:count" pairs separated by commas.
-- Rows older than the retention are deleted by the instances as they go.
CREATE TABLE kpbot_http_rollups (
    minute        INTEGER NOT NULL,
    instance      TEXT    NOT NULL,
    method        TEXT    NOT NULL,
    route         TEXT    NOT NULL,
    requests      INTEGER NOT NULL DEFAULT 0,
    client_errors INTEGER NOT NULL DEFAULT 0,
    server_errors INTEGER NOT NULL DEFAULT 0,
    bins          TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (minute, instance, method, route)
);

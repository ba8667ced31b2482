-- Minute rollups of HTTP traffic per instance and route, written by every
-- instance and merged on read by GET /api/admin/analytics. bins holds the
-- non-zero latency bins as "index:count" pairs separated by commas.
-- Rows older than the retention are deleted by the instances as they go.
CREATE TABLE kpbot_http_rollups (
    minute        bigint           NOT NULL,
    instance      text COLLATE "C" NOT NULL,
    method        text COLLATE "C" NOT NULL,
    route         text COLLATE "C" NOT NULL,
    requests      bigint           NOT NULL DEFAULT 0,
    client_errors bigint           NOT NULL DEFAULT 0,
    server_errors bigint           NOT NULL DEFAULT 0,
    bins          text             NOT NULL DEFAULT '',
    PRIMARY KEY (minute, instance, method, route)
);

-- Operations: leases on frontier rows so overlapping runs do not fetch the same URL twice,
-- and the views analysts and operators read.

ALTER TABLE frontier ADD COLUMN claimed_by VARCHAR;
ALTER TABLE frontier ADD COLUMN claimed_until TIMESTAMPTZ;

CREATE VIEW coverage_daily AS
SELECT coalesce(source, site) AS outlet, CAST(timezone('UTC', published_at) AS DATE) AS day,
       count(*) AS articles, count(*) FILTER (WHERE is_relevant) AS relevant
FROM articles
WHERE published_at IS NOT NULL
GROUP BY ALL;

-- daily snapshots of each feed's health, written by the maintenance run
CREATE TABLE feed_health_history (
    day                DATE NOT NULL,
    feed_url           VARCHAR NOT NULL,
    health             VARCHAR,
    consecutive_errors INTEGER,
    error_count        INTEGER,
    entries_seen       INTEGER,
    PRIMARY KEY (day, feed_url)
);

-- which process runs a run: a lease held by a run whose process is gone is void at once
ALTER TABLE runs ADD COLUMN pid INTEGER;
ALTER TABLE runs ADD COLUMN host VARCHAR;

-- chipwire warehouse, first shape. Applied once, recorded in schema_migrations.

CREATE TABLE feeds (
    feed_url           VARCHAR PRIMARY KEY,
    name               VARCHAR,
    title              VARCHAR,
    format             VARCHAR,
    etag               VARCHAR,
    last_modified      VARCHAR,
    last_polled_at     TIMESTAMPTZ,
    last_success_at    TIMESTAMPTZ,
    last_status        INTEGER,
    last_error         VARCHAR,
    bozo               VARCHAR,
    consecutive_errors INTEGER NOT NULL DEFAULT 0,
    error_count        INTEGER NOT NULL DEFAULT 0,
    poll_count         INTEGER NOT NULL DEFAULT 0,
    entries_seen       INTEGER NOT NULL DEFAULT 0,
    next_poll_at       TIMESTAMPTZ
);

-- Every URL the pipeline was given or found, and where it stands: the work queue between
-- stages. pending -> fetched -> done, or failed (terminal) / pending again (transient).
CREATE TABLE frontier (
    url                VARCHAR PRIMARY KEY,
    link               VARCHAR,
    origin             VARCHAR NOT NULL,
    feed_url           VARCHAR,
    trusted_origin     VARCHAR,
    entry_id           VARCHAR,
    entry_title        VARCHAR,
    entry_author       VARCHAR,
    entry_published_at TIMESTAMPTZ,
    entry_updated_at   TIMESTAMPTZ,
    entry_language     VARCHAR,
    state              VARCHAR NOT NULL,
    attempts           INTEGER NOT NULL DEFAULT 0,
    next_attempt_at    TIMESTAMPTZ,
    last_error         VARCHAR,
    discovered_at      TIMESTAMPTZ NOT NULL,
    updated_at         TIMESTAMPTZ NOT NULL,
    article_id         VARCHAR
);

-- The raw responses, zlib-compressed, so extraction can be re-run without the network.
CREATE TABLE raw_pages (
    url           VARCHAR PRIMARY KEY,
    final_url     VARCHAR,
    status        INTEGER,
    content_type  VARCHAR,
    etag          VARCHAR,
    last_modified VARCHAR,
    fetched_at    TIMESTAMPTZ NOT NULL,
    body_size     BIGINT,
    sha256        VARCHAR,
    body          BLOB
);

CREATE TABLE articles (
    article_id        VARCHAR PRIMARY KEY,
    url               VARCHAR NOT NULL,
    canonical_url     VARCHAR NOT NULL,
    final_url         VARCHAR,
    syndicated_from   VARCHAR,
    source            VARCHAR,
    feed_url          VARCHAR,
    title             VARCHAR,
    author            VARCHAR,
    published_at      TIMESTAMPTZ,
    fetched_at        TIMESTAMPTZ,
    language          VARCHAR,
    text              VARCHAR,
    description       VARCHAR,
    word_count        INTEGER,
    relevance         DOUBLE,
    is_relevant       BOOLEAN,
    cluster_id        VARCHAR,
    extractor_version VARCHAR,
    first_seen_at     TIMESTAMPTZ NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL
);

-- Every URL known to lead to an article (as announced, after redirects, canonical).
CREATE TABLE article_urls (
    url        VARCHAR PRIMARY KEY,
    article_id VARCHAR NOT NULL
);

CREATE TABLE article_themes (
    article_id         VARCHAR NOT NULL,
    theme              VARCHAR NOT NULL,
    score              DOUBLE,
    evidence           VARCHAR,
    classifier_version VARCHAR,
    PRIMARY KEY (article_id, theme)
);

CREATE TABLE article_entities (
    article_id VARCHAR NOT NULL,
    entity     VARCHAR NOT NULL,
    kind       VARCHAR NOT NULL,
    mentions   INTEGER,
    PRIMARY KEY (article_id, entity, kind)
);

CREATE TABLE failures (
    url             VARCHAR PRIMARY KEY,
    stage           VARCHAR NOT NULL,
    reason          VARCHAR NOT NULL,
    occurred_at     TIMESTAMPTZ NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 1,
    first_failed_at TIMESTAMPTZ,
    transient       BOOLEAN,
    feed_url        VARCHAR
);

CREATE TABLE runs (
    run_id             VARCHAR PRIMARY KEY,
    flow               VARCHAR NOT NULL,
    started_at         TIMESTAMPTZ NOT NULL,
    finished_at        TIMESTAMPTZ,
    status             VARCHAR NOT NULL,
    sources            VARCHAR,
    feeds_polled       INTEGER DEFAULT 0,
    feeds_not_modified INTEGER DEFAULT 0,
    feeds_failed       INTEGER DEFAULT 0,
    entries_seen       INTEGER DEFAULT 0,
    entries_new        INTEGER DEFAULT 0,
    pages_queued       INTEGER DEFAULT 0,
    pages_fetched      INTEGER DEFAULT 0,
    pages_failed       INTEGER DEFAULT 0,
    articles_new       INTEGER DEFAULT 0,
    articles_updated   INTEGER DEFAULT 0,
    extract_failed     INTEGER DEFAULT 0,
    error              VARCHAR
);

CREATE VIEW feed_health AS
SELECT feed_url, name, title, format, last_polled_at, last_success_at, last_status,
       consecutive_errors, error_count, poll_count, entries_seen, bozo, last_error, next_poll_at,
       CASE WHEN consecutive_errors = 0 THEN 'ok'
            WHEN consecutive_errors < 3 THEN 'failing'
            ELSE 'backing off' END AS health
FROM feeds;

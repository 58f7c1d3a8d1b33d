-- The warehouse explains itself: a comment on every table, view and column (read them with
-- `SELECT table_name, column_name, comment FROM duckdb_columns()`, or the two views below:
-- DESCRIBE in DuckDB 2.0 shows no comments). story_clusters lists a story's copies, and
-- story_copies has one row per copy; coverage_daily says `source` like everything else (`outlet`
-- stays for queries written before).
--
-- For later migrations: CREATE OR REPLACE VIEW drops the view's comments, and every new table,
-- view or column needs its own (tests/test_warehouse.py fails on any column without one).

CREATE OR REPLACE VIEW coverage_daily AS
SELECT coalesce(source, site) AS outlet, CAST(timezone('UTC', published_at) AS DATE) AS day,
       count(*) AS articles, count(*) FILTER (WHERE is_relevant) AS relevant,
       coalesce(source, site) AS source
FROM articles
WHERE published_at IS NOT NULL
GROUP BY ALL;

CREATE OR REPLACE VIEW story_clusters AS
SELECT cluster_id, count(*) AS articles, min(published_at) AS first_published,
       list(source ORDER BY published_at) AS sources, any_value(title ORDER BY published_at) AS title,
       any_value(source) FILTER (WHERE article_id = cluster_id) AS first_source,
       max(published_at) AS last_published,
       count(DISTINCT source) AS outlets,
       list({'article_id': article_id, 'source': source, 'title': title, 'url': url, 'published_at': published_at}
            ORDER BY published_at NULLS LAST, article_id) AS copies
FROM articles
WHERE cluster_id IS NOT NULL
GROUP BY cluster_id;

CREATE VIEW story_copies AS
SELECT cluster_id,
       row_number() OVER (PARTITION BY cluster_id
                          ORDER BY article_id = cluster_id DESC, coalesce(published_at, fetched_at), article_id
                         ) AS copy_number,
       article_id, source, title, url, published_at, article_id = cluster_id AS is_first, syndicated_from,
       is_relevant
FROM articles
WHERE cluster_id IS NOT NULL;

CREATE VIEW warehouse_tables AS
SELECT table_name, 'table' AS kind, comment, estimated_size AS rows_estimated
FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = 'main' AND NOT internal
UNION ALL
SELECT view_name, 'view', comment, NULL
FROM duckdb_views() WHERE database_name = current_database() AND schema_name = 'main' AND NOT internal
ORDER BY kind, table_name;

CREATE VIEW warehouse_columns AS
SELECT table_name, column_name, data_type, comment, column_index AS position
FROM duckdb_columns()
WHERE database_name = current_database() AND schema_name = 'main' AND NOT internal
ORDER BY table_name, column_index;

-- feeds -------------------------------------------------------------------------------------
COMMENT ON TABLE feeds IS 'One row per feed (RSS, Atom, RDF) ever polled: its conditional-request validators, last outcome and polling schedule.';
COMMENT ON COLUMN feeds.feed_url IS 'The feed''s URL as given in the sources file (the key).';
COMMENT ON COLUMN feeds.name IS 'The name given in the sources file (optional; NULL when none was given).';
COMMENT ON COLUMN feeds.title IS 'The title the feed gives itself.';
COMMENT ON COLUMN feeds.format IS 'Feed format as feedparser names it: rss20, atom10, rss10 ... (empty when unknown).';
COMMENT ON COLUMN feeds.etag IS 'ETag of the last 200 answer, sent back as If-None-Match.';
COMMENT ON COLUMN feeds.last_modified IS 'Last-Modified of the last 200 answer, sent back as If-Modified-Since (HTTP date text).';
COMMENT ON COLUMN feeds.last_polled_at IS 'When the feed was last requested (UTC).';
COMMENT ON COLUMN feeds.last_success_at IS 'When the feed last answered usably: 200 parsed, or 304 not modified (UTC).';
COMMENT ON COLUMN feeds.last_status IS 'HTTP status of the last poll (NULL when no answer came: DNS, connection, timeout).';
COMMENT ON COLUMN feeds.last_error IS 'Why the last poll failed (NULL when it succeeded).';
COMMENT ON COLUMN feeds.bozo IS 'The XML problem of a malformed feed that still yielded entries (NULL when well-formed).';
COMMENT ON COLUMN feeds.consecutive_errors IS 'Failed polls in a row since the last success (0 = healthy; 3 or more = backing off).';
COMMENT ON COLUMN feeds.error_count IS 'Failed polls in total.';
COMMENT ON COLUMN feeds.poll_count IS 'Polls in total.';
COMMENT ON COLUMN feeds.entries_seen IS 'Entries in the feed at its last successful parse.';
COMMENT ON COLUMN feeds.next_poll_at IS 'Earliest time of the next poll (UTC): later after failures (backoff); ingest --now ignores it.';

COMMENT ON VIEW feed_health IS 'Each feed with a health verdict: ok, failing (1-2 failed polls in a row), backing off (3 or more).';
COMMENT ON COLUMN feed_health.feed_url IS 'The feed''s URL as given in the sources file.';
COMMENT ON COLUMN feed_health.name IS 'The name given in the sources file (optional).';
COMMENT ON COLUMN feed_health.title IS 'The title the feed gives itself.';
COMMENT ON COLUMN feed_health.format IS 'Feed format as feedparser names it: rss20, atom10, rss10 ...';
COMMENT ON COLUMN feed_health.last_polled_at IS 'When the feed was last requested (UTC).';
COMMENT ON COLUMN feed_health.last_success_at IS 'When the feed last answered usably (UTC).';
COMMENT ON COLUMN feed_health.last_status IS 'HTTP status of the last poll (NULL when no answer came).';
COMMENT ON COLUMN feed_health.consecutive_errors IS 'Failed polls in a row since the last success.';
COMMENT ON COLUMN feed_health.error_count IS 'Failed polls in total.';
COMMENT ON COLUMN feed_health.poll_count IS 'Polls in total.';
COMMENT ON COLUMN feed_health.entries_seen IS 'Entries in the feed at its last successful parse.';
COMMENT ON COLUMN feed_health.bozo IS 'The XML problem of a malformed but usable feed (NULL when well-formed).';
COMMENT ON COLUMN feed_health.last_error IS 'Why the last poll failed (NULL when it succeeded).';
COMMENT ON COLUMN feed_health.next_poll_at IS 'Earliest time of the next poll (UTC).';
COMMENT ON COLUMN feed_health.health IS 'ok (last poll succeeded), failing (1-2 failures in a row) or backing off (3 or more: polled less often).';

COMMENT ON TABLE feed_health_history IS 'A daily snapshot of each feed''s health, written by the maintenance run: how a feed fared over time.';
COMMENT ON COLUMN feed_health_history.day IS 'The day of the snapshot (UTC date).';
COMMENT ON COLUMN feed_health_history.feed_url IS 'The feed''s URL (feeds.feed_url).';
COMMENT ON COLUMN feed_health_history.health IS 'ok, failing or backing off (as feed_health.health that day).';
COMMENT ON COLUMN feed_health_history.consecutive_errors IS 'Failed polls in a row that day.';
COMMENT ON COLUMN feed_health_history.error_count IS 'Failed polls in total, up to that day.';
COMMENT ON COLUMN feed_health_history.entries_seen IS 'Entries in the feed at its last successful parse, that day.';

-- frontier and raw pages --------------------------------------------------------------------
COMMENT ON TABLE frontier IS 'Every URL the pipeline was given or found, and where it stands: the work queue between stages (pending -> fetched -> done, or failed).';
COMMENT ON COLUMN frontier.url IS 'The canonical URL (the key): lower-case scheme and host, no default port, fragment or tracking parameters, sorted query.';
COMMENT ON COLUMN frontier.link IS 'The link as found (in a feed, sitemap, sources file or list) before canonicalisation: what is requested.';
COMMENT ON COLUMN frontier.origin IS 'Where the URL came from: feed, page (listed in the sources file) or backfill.';
COMMENT ON COLUMN frontier.feed_url IS 'The feed whose entry linked it (NULL when not from a feed).';
COMMENT ON COLUMN frontier.trusted_origin IS 'The scheme://host:port this URL may reach even on a private address (its feed''s or sitemap''s own origin; NULL: public addresses only).';
COMMENT ON COLUMN frontier.entry_id IS 'The feed entry''s id (guid), when from a feed.';
COMMENT ON COLUMN frontier.entry_title IS 'The feed entry''s title, used when the page has none.';
COMMENT ON COLUMN frontier.entry_author IS 'The feed entry''s author, used when the page names none.';
COMMENT ON COLUMN frontier.entry_published_at IS 'The feed entry''s publication time (UTC), used when the page has none.';
COMMENT ON COLUMN frontier.entry_updated_at IS 'The feed entry''s update time (UTC): a later one queues the page again.';
COMMENT ON COLUMN frontier.entry_language IS 'The feed''s declared language (ISO 639-1), a hint for the page''s.';
COMMENT ON COLUMN frontier.state IS 'pending (to fetch), fetched (stored, to extract), done (an article, or not one but handled), failed (given up; see failures).';
COMMENT ON COLUMN frontier.attempts IS 'Fetch or extraction attempts so far.';
COMMENT ON COLUMN frontier.next_attempt_at IS 'Earliest time of the next attempt after a transient failure (UTC; NULL: at once).';
COMMENT ON COLUMN frontier.last_error IS 'stage: reason of the last failure (NULL after a success).';
COMMENT ON COLUMN frontier.discovered_at IS 'When the URL was first queued (UTC).';
COMMENT ON COLUMN frontier.updated_at IS 'When the row last changed (UTC).';
COMMENT ON COLUMN frontier.article_id IS 'The article the page became (articles.article_id; NULL until then).';
COMMENT ON COLUMN frontier.claimed_by IS 'The run (runs.run_id) holding a lease on this URL, so overlapping runs never fetch it twice.';
COMMENT ON COLUMN frontier.claimed_until IS 'When that lease ends (UTC); a lease of a run whose process is gone is void at once.';

COMMENT ON TABLE raw_pages IS 'The raw HTTP responses, kept so extraction can run again offline (chipwire reextract); the bodies live in the body store beside the warehouse file.';
COMMENT ON COLUMN raw_pages.url IS 'The canonical URL requested (frontier.url; the key).';
COMMENT ON COLUMN raw_pages.final_url IS 'The URL after redirects.';
COMMENT ON COLUMN raw_pages.status IS 'HTTP status of the stored answer (200 for saved files; a WARC record''s own status).';
COMMENT ON COLUMN raw_pages.content_type IS 'The Content-Type header as sent.';
COMMENT ON COLUMN raw_pages.etag IS 'ETag of the answer, sent back to refetch conditionally.';
COMMENT ON COLUMN raw_pages.last_modified IS 'Last-Modified of the answer (HTTP date text).';
COMMENT ON COLUMN raw_pages.fetched_at IS 'When the page was fetched (UTC); a saved file''s: when it was stored.';
COMMENT ON COLUMN raw_pages.body_size IS 'Size of the body as fetched, in bytes (before compression).';
COMMENT ON COLUMN raw_pages.sha256 IS 'SHA-256 (hex) of the body as fetched: its name in the body store <warehouse>.bodies/ (identical bodies share a file).';
COMMENT ON COLUMN raw_pages.body IS 'The body, compressed (zlib), for rows stored before the body store; NULL otherwise or once pruned.';
COMMENT ON COLUMN raw_pages.body_file IS 'true: the body is in the body store under sha256 (zstd); false with body NULL: pruned after the retention period.';

-- articles and what was found in them ------------------------------------------------------
COMMENT ON TABLE articles IS 'One row per article: clean text, metadata, relevance and story cluster. The analysts'' main table.';
COMMENT ON COLUMN articles.article_id IS 'Stable id, derived from the canonical URL of the page on its own site (the key).';
COMMENT ON COLUMN articles.url IS 'The URL the article was first found at.';
COMMENT ON COLUMN articles.canonical_url IS 'The page''s own canonical URL (rel=canonical on its own site, else its URL).';
COMMENT ON COLUMN articles.final_url IS 'The URL after redirects when it was fetched.';
COMMENT ON COLUMN articles.syndicated_from IS 'A rel=canonical pointing to another site: the original this copy was syndicated from (the copy joins its cluster); NULL otherwise.';
COMMENT ON COLUMN articles.source IS 'The outlet: the site''s own name (page metadata), else the feed''s name, else the site''s registered domain.';
COMMENT ON COLUMN articles.feed_url IS 'The feed that announced it (NULL for pages and backfills).';
COMMENT ON COLUMN articles.title IS 'The headline.';
COMMENT ON COLUMN articles.author IS 'The byline, as the page or feed gives it (NULL when none).';
COMMENT ON COLUMN articles.published_at IS 'Publication time (UTC) from the page''s metadata or the feed entry (NULL when neither says).';
COMMENT ON COLUMN articles.fetched_at IS 'When the page was fetched (UTC).';
COMMENT ON COLUMN articles.language IS 'Language of the text, ISO 639-1 (e.g. en, zh, ja): the page''s declaration unless the text clearly says otherwise.';
COMMENT ON COLUMN articles.text IS 'The clean body: no navigation, ads or other furniture, no repeated title; paragraphs separated by newlines.';
COMMENT ON COLUMN articles.description IS 'The page''s own summary (meta description), when it has one.';
COMMENT ON COLUMN articles.word_count IS 'Words in text (CJK characters, not space-separated, count two to a word).';
COMMENT ON COLUMN articles.relevance IS 'How likely the article is about AI-chip export controls and China''s access to AI hardware: a score in [0, 1].';
COMMENT ON COLUMN articles.is_relevant IS 'relevance at or above the taxonomy''s threshold (or an analyst''s correction).';
COMMENT ON COLUMN articles.cluster_id IS 'The story: article_id of the earliest article of the story this one belongs to (a story of one has its own id); see story_clusters, story_copies.';
COMMENT ON COLUMN articles.extractor_version IS 'Version of chipwire''s extraction (trafilatura with its settings) that produced text, e.g. extract-2.';
COMMENT ON COLUMN articles.first_seen_at IS 'When the article was first stored (UTC).';
COMMENT ON COLUMN articles.updated_at IS 'When its text or metadata last changed (UTC).';
COMMENT ON COLUMN articles.extracted_text IS 'The text after page-level extraction, before the site''s learnt furniture was removed (kept so site cleaning can run again).';
COMMENT ON COLUMN articles.site IS 'The site (registered domain) whose furniture profile cleans this article.';
COMMENT ON COLUMN articles.cleaner_version IS 'Version of the furniture cleaner that produced text.';
COMMENT ON COLUMN articles.classifier_version IS 'Classifier and taxonomy version (e.g. rules-1.0+3f2a9c1d) that set relevance, themes and entities.';
COMMENT ON COLUMN articles.classified_at IS 'When it was last classified (UTC; NULL: not yet).';
COMMENT ON COLUMN articles.primary_theme IS 'The theme with the highest score (an id of the taxonomy; NULL when no theme).';

COMMENT ON TABLE article_urls IS 'Every URL known to lead to an article: as announced, after redirects, canonical.';
COMMENT ON COLUMN article_urls.url IS 'A URL (canonicalised; the key).';
COMMENT ON COLUMN article_urls.article_id IS 'The article it leads to (articles.article_id).';

COMMENT ON TABLE article_themes IS 'One row per article and theme present (a theme absent from an article has no row); the highest score is the primary theme.';
COMMENT ON COLUMN article_themes.article_id IS 'The article (articles.article_id).';
COMMENT ON COLUMN article_themes.theme IS 'A theme id of the taxonomy (deploy/taxonomy.toml or --taxonomy).';
COMMENT ON COLUMN article_themes.score IS 'Strength of the theme in the article, in (0, 1].';
COMMENT ON COLUMN article_themes.evidence IS 'The sentence or phrase that supports the theme.';
COMMENT ON COLUMN article_themes.classifier_version IS 'Classifier and taxonomy version that found it.';

COMMENT ON TABLE article_entities IS 'Companies, chips, agencies, rules, countries and people named in each article, with how often.';
COMMENT ON COLUMN article_entities.article_id IS 'The article (articles.article_id).';
COMMENT ON COLUMN article_entities.entity IS 'Canonical name from the gazetteer (deploy/entities.toml), e.g. Nvidia H20, Huawei, Entity List.';
COMMENT ON COLUMN article_entities.kind IS 'company, chip, agency, rule, country or person.';
COMMENT ON COLUMN article_entities.mentions IS 'Times the entity is named in title and text (any of its aliases, any language).';

COMMENT ON TABLE article_signatures IS 'MinHash signature of each article''s text, which places it in a story cluster.';
COMMENT ON COLUMN article_signatures.article_id IS 'The article (articles.article_id; the key).';
COMMENT ON COLUMN article_signatures.scheme IS 'How the signature was computed (hash scheme, permutations, seed, shingle sizes); signatures of different schemes do not compare.';
COMMENT ON COLUMN article_signatures.signature IS 'The MinHash values (256 unsigned 32-bit integers).';
COMMENT ON COLUMN article_signatures.story_date IS 'The article''s date for clustering: published_at, else fetched_at (UTC).';

COMMENT ON TABLE article_bands IS 'Locality-sensitive-hashing index over the signatures: articles sharing a (band, key) are candidate copies of one story.';
COMMENT ON COLUMN article_bands.band IS 'Band number (0-127).';
COMMENT ON COLUMN article_bands.key IS 'The band''s two 32-bit MinHash values packed into one 64-bit integer.';
COMMENT ON COLUMN article_bands.article_id IS 'The article (articles.article_id).';

COMMENT ON VIEW article_primary_theme IS 'Each article with its primary theme (highest score; ties broken by theme id).';
COMMENT ON COLUMN article_primary_theme.article_id IS 'The article (articles.article_id).';
COMMENT ON COLUMN article_primary_theme.title IS 'The headline.';
COMMENT ON COLUMN article_primary_theme.source IS 'The outlet.';
COMMENT ON COLUMN article_primary_theme.published_at IS 'Publication time (UTC).';
COMMENT ON COLUMN article_primary_theme.theme IS 'The primary theme (an id of the taxonomy).';
COMMENT ON COLUMN article_primary_theme.score IS 'Its score, in (0, 1].';
COMMENT ON COLUMN article_primary_theme.evidence IS 'The sentence or phrase that supports it.';

COMMENT ON VIEW story_clusters IS 'One row per story: the articles (copies, rewrites, syndications) that tell it, and where it spread.';
COMMENT ON COLUMN story_clusters.cluster_id IS 'The story: article_id of its earliest article.';
COMMENT ON COLUMN story_clusters.articles IS 'Articles in the story (copies included).';
COMMENT ON COLUMN story_clusters.first_published IS 'Earliest publication time among them (UTC).';
COMMENT ON COLUMN story_clusters.sources IS 'Outlet of each article, earliest first (an outlet appears once per copy it carried).';
COMMENT ON COLUMN story_clusters.title IS 'Headline of the earliest published article.';
COMMENT ON COLUMN story_clusters.first_source IS 'Outlet of the story''s first article (the one whose article_id is cluster_id).';
COMMENT ON COLUMN story_clusters.last_published IS 'Latest publication time among its articles (UTC): with first_published, how long the story ran.';
COMMENT ON COLUMN story_clusters.outlets IS 'Distinct outlets that carried the story: its spread.';
COMMENT ON COLUMN story_clusters.copies IS 'The story''s articles, earliest first: a list of {article_id, source, title, url, published_at}; one row per copy in story_copies.';

COMMENT ON VIEW story_copies IS 'One row per article of each story cluster: which outlet carried the story, when, under which headline.';
COMMENT ON COLUMN story_copies.cluster_id IS 'The story (story_clusters.cluster_id).';
COMMENT ON COLUMN story_copies.copy_number IS '1 for the story''s first article, then 2, 3 ... by date (published_at, else fetched_at).';
COMMENT ON COLUMN story_copies.article_id IS 'The copy (articles.article_id).';
COMMENT ON COLUMN story_copies.source IS 'The outlet that carried it.';
COMMENT ON COLUMN story_copies.title IS 'Its headline.';
COMMENT ON COLUMN story_copies.url IS 'Its URL (as first found).';
COMMENT ON COLUMN story_copies.published_at IS 'Its publication time (UTC; NULL when unknown).';
COMMENT ON COLUMN story_copies.is_first IS 'true for the story''s first article (article_id = cluster_id).';
COMMENT ON COLUMN story_copies.syndicated_from IS 'The original it declares itself a copy of (rel=canonical to another site), if any.';
COMMENT ON COLUMN story_copies.is_relevant IS 'Whether this copy was found relevant.';

COMMENT ON VIEW coverage_daily IS 'Articles per outlet and publication day (UTC), and how many of them are relevant.';
COMMENT ON COLUMN coverage_daily.outlet IS 'The outlet (the same as source; kept for queries written before source was added).';
COMMENT ON COLUMN coverage_daily.day IS 'Publication day (UTC date); articles without a publication time are left out.';
COMMENT ON COLUMN coverage_daily.articles IS 'Articles of that outlet published that day.';
COMMENT ON COLUMN coverage_daily.relevant IS 'Of those, the relevant ones.';
COMMENT ON COLUMN coverage_daily.source IS 'The outlet (articles.source, else the site''s domain).';

-- site furniture ----------------------------------------------------------------------------
COMMENT ON TABLE site_lines IS 'Fingerprints of the distinct lines of each stored article, per site: what the furniture (lines that recur across a site''s pages) is learnt from.';
COMMENT ON COLUMN site_lines.site IS 'The site (registered domain).';
COMMENT ON COLUMN site_lines.article_id IS 'The article the line is in (articles.article_id).';
COMMENT ON COLUMN site_lines.fingerprint IS 'Hash of the normalised line.';
COMMENT ON COLUMN site_lines.prose IS 'true when the line reads as prose (long, sentence-like) rather than a label or link.';

COMMENT ON TABLE site_furniture IS 'What was learnt: each site''s recurring furniture lines (menus, bylines boilerplate, newsletter pleas), removed from its articles'' text.';
COMMENT ON COLUMN site_furniture.site IS 'The site (registered domain).';
COMMENT ON COLUMN site_furniture.line IS 'The furniture line as it appears.';
COMMENT ON COLUMN site_furniture.pages IS 'Distinct pages of the site it appears on.';
COMMENT ON COLUMN site_furniture.updated_at IS 'When it was last learnt (UTC).';

-- operations --------------------------------------------------------------------------------
COMMENT ON TABLE failures IS 'One row per URL that could not (yet) become an article, updated on each try, removed when it later succeeds.';
COMMENT ON COLUMN failures.url IS 'The URL (canonical; a feed''s URL for feed failures; the key).';
COMMENT ON COLUMN failures.stage IS 'Where it failed: feed, robots, refused (address not allowed), fetch, extract ...';
COMMENT ON COLUMN failures.reason IS 'Why, in one line (e.g. HTTP 404, timeout, not an article).';
COMMENT ON COLUMN failures.occurred_at IS 'When it last failed (UTC).';
COMMENT ON COLUMN failures.attempts IS 'Failed attempts so far.';
COMMENT ON COLUMN failures.first_failed_at IS 'When it first failed (UTC).';
COMMENT ON COLUMN failures.transient IS 'true: worth retrying later (timeouts, 5xx, 429); false: will not change by itself (404, refused, not an article).';
COMMENT ON COLUMN failures.feed_url IS 'The feed that linked the URL, if any.';

COMMENT ON TABLE runs IS 'One row per run of a command (ingest, backfill, reextract, reclassify, demo ...) with its status and counts of this run''s own work.';
COMMENT ON COLUMN runs.run_id IS 'The run''s id (16 hex digits; the key).';
COMMENT ON COLUMN runs.flow IS 'What ran: ingest, backfill, reextract, reclassify ...';
COMMENT ON COLUMN runs.started_at IS 'When it started (UTC).';
COMMENT ON COLUMN runs.finished_at IS 'When it ended (UTC; NULL while running, or if its process died).';
COMMENT ON COLUMN runs.status IS 'running, completed, failed (see error) or interrupted (stopped; the same command resumes it).';
COMMENT ON COLUMN runs.sources IS 'The sources file, folder, URL list, sitemap or WARC files it read.';
COMMENT ON COLUMN runs.feeds_polled IS 'Feeds requested.';
COMMENT ON COLUMN runs.feeds_not_modified IS 'Feeds that answered 304 not modified.';
COMMENT ON COLUMN runs.feeds_failed IS 'Feeds that failed (no answer, HTTP error, not a feed).';
COMMENT ON COLUMN runs.entries_seen IS 'Entries in the feeds polled.';
COMMENT ON COLUMN runs.entries_new IS 'URLs queued for the first time (or again, after an entry update).';
COMMENT ON COLUMN runs.pages_queued IS 'Pages due for fetching (or, for reextract, queued for extraction) when the run started.';
COMMENT ON COLUMN runs.pages_fetched IS 'Pages fetched by this run.';
COMMENT ON COLUMN runs.pages_failed IS 'Pages whose fetch failed in this run.';
COMMENT ON COLUMN runs.articles_new IS 'Articles stored for the first time.';
COMMENT ON COLUMN runs.articles_updated IS 'Stored articles whose text or metadata changed.';
COMMENT ON COLUMN runs.extract_failed IS 'Pages that yielded no article (not an article, empty, undecodable).';
COMMENT ON COLUMN runs.error IS 'Why the run failed (NULL unless status is failed).';
COMMENT ON COLUMN runs.files_stored IS 'Backfill from files: files stored as raw pages.';
COMMENT ON COLUMN runs.articles_recleaned IS 'Articles whose text changed when their site''s furniture was cleaned again.';
COMMENT ON COLUMN runs.pid IS 'Process id of the run (a running run whose process is gone lost its leases).';
COMMENT ON COLUMN runs.host IS 'Host name of the machine the run ran on.';
COMMENT ON COLUMN runs.articles_classified IS 'Articles classified by this run.';
COMMENT ON COLUMN runs.articles_relevant IS 'Of those, the ones found relevant.';
COMMENT ON COLUMN runs.articles_clustered IS 'Articles placed in a story cluster by this run.';

COMMENT ON TABLE schema_migrations IS 'The warehouse''s migrations (warehouse/migrations/NNN_name.sql) applied, in order.';
COMMENT ON COLUMN schema_migrations.version IS 'Migration number (NNN; the key).';
COMMENT ON COLUMN schema_migrations.name IS 'Its file name.';
COMMENT ON COLUMN schema_migrations.applied_at IS 'When it was applied (UTC).';

-- the guide ---------------------------------------------------------------------------------
COMMENT ON VIEW warehouse_tables IS 'Every table and view of the warehouse with what it holds (from duckdb_tables() and duckdb_views()).';
COMMENT ON COLUMN warehouse_tables.table_name IS 'Name of the table or view.';
COMMENT ON COLUMN warehouse_tables.kind IS 'table or view.';
COMMENT ON COLUMN warehouse_tables.comment IS 'What it holds.';
COMMENT ON COLUMN warehouse_tables.rows_estimated IS 'DuckDB''s estimate of its rows (tables only; NULL for views).';

COMMENT ON VIEW warehouse_columns IS 'Every column of every table and view with what it means (from duckdb_columns(): DESCRIBE shows no comments).';
COMMENT ON COLUMN warehouse_columns.table_name IS 'Name of the table or view.';
COMMENT ON COLUMN warehouse_columns.column_name IS 'Name of the column.';
COMMENT ON COLUMN warehouse_columns.data_type IS 'Its DuckDB type.';
COMMENT ON COLUMN warehouse_columns.comment IS 'What it means, with its unit or values.';
COMMENT ON COLUMN warehouse_columns.position IS 'Its position in the table or view (DuckDB''s column_index).';

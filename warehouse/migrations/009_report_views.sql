-- The report (`chipwire report`): one view per chart, which the report reads and an analyst can
-- run with `chipwire query "select * from report_..."`, and the `reports` table that keeps when
-- each report was written (what is new is measured from the latest one).
--
-- Dates: an article's `day` is its publication day (UTC), else the day chipwire first stored it;
-- `week` is the Monday that starts the ISO week of `day`. `themes` is the sorted list of the
-- themes present in the article(s) counted on that row (empty: none): the report's --theme X
-- keeps the rows where list_contains(themes, X). Counts are of relevant articles unless said.

CREATE TABLE reports (
    report_id         VARCHAR PRIMARY KEY,
    written_at        TIMESTAMPTZ NOT NULL,
    seen_until        TIMESTAMPTZ,
    previous_id       VARCHAR,
    out_path          VARCHAR,
    since             DATE,
    until             DATE,
    theme             VARCHAR,
    articles          INTEGER,
    relevant_articles INTEGER,
    new_articles      INTEGER,
    bytes             BIGINT
);

CREATE VIEW report_articles AS
WITH present AS (
    SELECT article_id, list(theme ORDER BY theme) AS themes FROM article_themes GROUP BY article_id
)
SELECT a.article_id,
       CAST(timezone('UTC', coalesce(a.published_at, a.first_seen_at)) AS DATE) AS day,
       CAST(date_trunc('week', timezone('UTC', coalesce(a.published_at, a.first_seen_at))) AS DATE) AS week,
       coalesce(a.source, a.site) AS source, a.title, a.url, a.language, a.published_at, a.first_seen_at,
       a.is_relevant, a.primary_theme, coalesce(p.themes, CAST([] AS VARCHAR[])) AS themes, a.cluster_id
FROM articles a LEFT JOIN present p USING (article_id);

CREATE VIEW report_themes AS
SELECT r.day, r.week, t.theme, r.themes, count(*) AS articles,
       count(*) FILTER (WHERE r.primary_theme = t.theme) AS primary_articles
FROM report_articles r JOIN article_themes t USING (article_id)
WHERE r.is_relevant
GROUP BY ALL;

CREATE VIEW report_entities AS
SELECT r.day, r.week, e.entity, e.kind, r.themes, count(*) AS articles, sum(e.mentions) AS mentions
FROM report_articles r JOIN article_entities e USING (article_id)
WHERE r.is_relevant
GROUP BY ALL;

CREATE VIEW report_source_themes AS
SELECT r.day, r.week, r.source, t.theme, r.themes, count(*) AS articles
FROM report_articles r JOIN article_themes t USING (article_id)
WHERE r.is_relevant
GROUP BY ALL;

CREATE VIEW report_stories AS
SELECT r.cluster_id,
       arg_min(r.title, (r.article_id <> r.cluster_id, coalesce(r.published_at, r.first_seen_at))) AS title,
       arg_min(r.source, (r.article_id <> r.cluster_id, coalesce(r.published_at, r.first_seen_at))) AS first_source,
       min(r.day) AS day,
       min(r.published_at) AS first_published,
       max(r.published_at) AS last_published,
       round(epoch(max(r.published_at) - min(r.published_at)) / 3600.0, 1) AS spread_hours,
       count(*) AS articles,
       count(DISTINCT r.source) AS outlets,
       count(*) FILTER (WHERE r.is_relevant) AS relevant_articles,
       list_sort(list_distinct(flatten(list(r.themes)))) AS themes
FROM report_articles r
WHERE r.cluster_id IS NOT NULL
GROUP BY r.cluster_id
HAVING bool_or(r.is_relevant);

CREATE VIEW report_new_articles AS
SELECT r.article_id, r.day, r.week, r.source, r.title, r.url, r.first_seen_at, r.primary_theme, r.themes,
       r.cluster_id, r.article_id = r.cluster_id AS new_story
FROM report_articles r
WHERE r.is_relevant
  AND r.first_seen_at > coalesce((SELECT seen_until FROM reports ORDER BY written_at DESC, report_id LIMIT 1),
                                 CAST('-infinity' AS TIMESTAMPTZ));

CREATE VIEW report_feeds AS
WITH stored AS (
    SELECT feed_url, count(*) AS articles, count(*) FILTER (WHERE is_relevant) AS relevant_articles
    FROM articles WHERE feed_url IS NOT NULL GROUP BY feed_url
)
SELECT coalesce(f.name, f.title, f.feed_url) AS feed, f.feed_url, f.health,
       f.poll_count AS polls, f.error_count AS failed_polls, f.consecutive_errors,
       f.last_status, f.last_error, f.last_polled_at, f.last_success_at,
       coalesce(s.articles, 0) AS articles, coalesce(s.relevant_articles, 0) AS relevant_articles
FROM feed_health f LEFT JOIN stored s USING (feed_url);

CREATE VIEW report_failures AS
SELECT CAST(timezone('UTC', occurred_at) AS DATE) AS day, stage,
       trim(regexp_replace(split_part(reason, ':', 1), '\s*\(.*$', '')) AS reason,
       coalesce(transient, false) AS transient,
       count(*) AS urls, sum(attempts) AS attempts, any_value(reason) AS example
FROM failures
GROUP BY ALL;

-- reports -----------------------------------------------------------------------------------
COMMENT ON TABLE reports IS 'One row per report written by `chipwire report` (or demo, or serve): when, what it covered, and the high-water mark that the next report''s "new since the previous report" starts from.';
COMMENT ON COLUMN reports.report_id IS 'The report''s id (16 hex digits; the key).';
COMMENT ON COLUMN reports.written_at IS 'When it was written (UTC).';
COMMENT ON COLUMN reports.seen_until IS 'The latest articles.first_seen_at it saw (UTC; NULL: no article yet): articles first stored after this are new to the next report.';
COMMENT ON COLUMN reports.previous_id IS 'The report before it (reports.report_id), whose seen_until its "new" section started from (NULL: the first report).';
COMMENT ON COLUMN reports.out_path IS 'The HTML file it wrote (absolute path).';
COMMENT ON COLUMN reports.since IS 'First day it covered (--since; NULL: from the first article).';
COMMENT ON COLUMN reports.until IS 'Last day it covered (--until; NULL: to the latest article).';
COMMENT ON COLUMN reports.theme IS 'The theme it was limited to (--theme; NULL: all).';
COMMENT ON COLUMN reports.articles IS 'Articles in its window (relevant or not).';
COMMENT ON COLUMN reports.relevant_articles IS 'Relevant articles in its window (and theme).';
COMMENT ON COLUMN reports.new_articles IS 'Of those, the ones first stored since the previous report.';
COMMENT ON COLUMN reports.bytes IS 'Size of the HTML file written, in bytes.';

-- report_articles ---------------------------------------------------------------------------
COMMENT ON VIEW report_articles IS 'Every article with the dates, outlet and themes the report counts by (relevant or not; the other report_ views build on it).';
COMMENT ON COLUMN report_articles.article_id IS 'The article (articles.article_id).';
COMMENT ON COLUMN report_articles.day IS 'Publication day (UTC date), else the day it was first stored.';
COMMENT ON COLUMN report_articles.week IS 'Monday of the week of day (ISO weeks).';
COMMENT ON COLUMN report_articles.source IS 'The outlet (articles.source, else the site''s domain).';
COMMENT ON COLUMN report_articles.title IS 'The headline.';
COMMENT ON COLUMN report_articles.url IS 'Its URL (as first found).';
COMMENT ON COLUMN report_articles.language IS 'Language of the text (ISO 639-1).';
COMMENT ON COLUMN report_articles.published_at IS 'Publication time (UTC; NULL when unknown).';
COMMENT ON COLUMN report_articles.first_seen_at IS 'When chipwire first stored it (UTC).';
COMMENT ON COLUMN report_articles.is_relevant IS 'Whether it is about the topic (articles.is_relevant).';
COMMENT ON COLUMN report_articles.primary_theme IS 'Its theme with the highest score (NULL: none).';
COMMENT ON COLUMN report_articles.themes IS 'The themes present in it, sorted (empty list: none).';
COMMENT ON COLUMN report_articles.cluster_id IS 'Its story (story_clusters.cluster_id).';

-- report_themes -----------------------------------------------------------------------------
COMMENT ON VIEW report_themes IS 'Chart "themes per week": relevant articles per day and theme present (an article with two themes counts once under each).';
COMMENT ON COLUMN report_themes.day IS 'Publication day (UTC), else the day first stored.';
COMMENT ON COLUMN report_themes.week IS 'Monday of the week of day.';
COMMENT ON COLUMN report_themes.theme IS 'A theme present in the articles counted (a taxonomy id).';
COMMENT ON COLUMN report_themes.themes IS 'All themes present in those articles, sorted (filter with list_contains(themes, ''x'')).';
COMMENT ON COLUMN report_themes.articles IS 'Relevant articles of that day with this theme present (and exactly these themes).';
COMMENT ON COLUMN report_themes.primary_articles IS 'Of those, the ones whose primary theme it is.';

-- report_entities ---------------------------------------------------------------------------
COMMENT ON VIEW report_entities IS 'Charts "most named" and "named over time": relevant articles per day that name each entity (company, chip, agency, rule, country, person).';
COMMENT ON COLUMN report_entities.day IS 'Publication day (UTC), else the day first stored.';
COMMENT ON COLUMN report_entities.week IS 'Monday of the week of day.';
COMMENT ON COLUMN report_entities.entity IS 'Canonical name (article_entities.entity).';
COMMENT ON COLUMN report_entities.kind IS 'company, chip, agency, rule, country or person.';
COMMENT ON COLUMN report_entities.themes IS 'Themes present in those articles, sorted.';
COMMENT ON COLUMN report_entities.articles IS 'Relevant articles of that day (with these themes) that name the entity.';
COMMENT ON COLUMN report_entities.mentions IS 'Times they name it in all (title and text).';

-- report_source_themes ----------------------------------------------------------------------
COMMENT ON VIEW report_source_themes IS 'Chart "outlets x themes": relevant articles per outlet, day and theme present.';
COMMENT ON COLUMN report_source_themes.day IS 'Publication day (UTC), else the day first stored.';
COMMENT ON COLUMN report_source_themes.week IS 'Monday of the week of day.';
COMMENT ON COLUMN report_source_themes.source IS 'The outlet.';
COMMENT ON COLUMN report_source_themes.theme IS 'A theme present in the articles counted.';
COMMENT ON COLUMN report_source_themes.themes IS 'All themes present in those articles, sorted.';
COMMENT ON COLUMN report_source_themes.articles IS 'Relevant articles of the outlet that day with this theme present.';

-- report_stories ----------------------------------------------------------------------------
COMMENT ON VIEW report_stories IS 'Chart "biggest stories": one row per story with at least one relevant article, its first outlet and its spread; its copies are in story_copies.';
COMMENT ON COLUMN report_stories.cluster_id IS 'The story (story_clusters.cluster_id; story_copies lists its articles).';
COMMENT ON COLUMN report_stories.title IS 'Headline of its first article.';
COMMENT ON COLUMN report_stories.first_source IS 'Outlet of its first article (the one whose article_id is cluster_id).';
COMMENT ON COLUMN report_stories.day IS 'Its first day: the earliest day of its articles (publication day, else day first stored).';
COMMENT ON COLUMN report_stories.first_published IS 'Earliest publication time among its articles (UTC).';
COMMENT ON COLUMN report_stories.last_published IS 'Latest publication time among its articles (UTC).';
COMMENT ON COLUMN report_stories.spread_hours IS 'Hours from the first to the last publication (0 for a story of one).';
COMMENT ON COLUMN report_stories.articles IS 'Articles in the story (copies included, relevant or not).';
COMMENT ON COLUMN report_stories.outlets IS 'Distinct outlets that carried it.';
COMMENT ON COLUMN report_stories.relevant_articles IS 'Of its articles, the relevant ones.';
COMMENT ON COLUMN report_stories.themes IS 'Themes present in any of its articles, sorted.';

-- report_new_articles -----------------------------------------------------------------------
COMMENT ON VIEW report_new_articles IS 'Chart "new since the previous report": relevant articles first stored after the latest report''s seen_until (all of them before the first report).';
COMMENT ON COLUMN report_new_articles.article_id IS 'The article (articles.article_id).';
COMMENT ON COLUMN report_new_articles.day IS 'Publication day (UTC), else the day first stored.';
COMMENT ON COLUMN report_new_articles.week IS 'Monday of the week of day.';
COMMENT ON COLUMN report_new_articles.source IS 'The outlet.';
COMMENT ON COLUMN report_new_articles.title IS 'The headline.';
COMMENT ON COLUMN report_new_articles.url IS 'Its URL (as first found).';
COMMENT ON COLUMN report_new_articles.first_seen_at IS 'When chipwire first stored it (UTC).';
COMMENT ON COLUMN report_new_articles.primary_theme IS 'Its primary theme (NULL: none).';
COMMENT ON COLUMN report_new_articles.themes IS 'Themes present in it, sorted.';
COMMENT ON COLUMN report_new_articles.cluster_id IS 'Its story.';
COMMENT ON COLUMN report_new_articles.new_story IS 'true when it is the first article of its story (a new story rather than a new copy).';

-- report_feeds ------------------------------------------------------------------------------
COMMENT ON VIEW report_feeds IS 'Chart "feed health": each feed''s polls, failures and verdict now (not limited by the report''s dates), and the articles it brought.';
COMMENT ON COLUMN report_feeds.feed IS 'The feed''s name in the sources file, else its own title, else its URL.';
COMMENT ON COLUMN report_feeds.feed_url IS 'The feed''s URL.';
COMMENT ON COLUMN report_feeds.health IS 'ok, failing (1-2 failed polls in a row) or backing off (3 or more).';
COMMENT ON COLUMN report_feeds.polls IS 'Polls in total.';
COMMENT ON COLUMN report_feeds.failed_polls IS 'Failed polls in total.';
COMMENT ON COLUMN report_feeds.consecutive_errors IS 'Failed polls in a row since the last success.';
COMMENT ON COLUMN report_feeds.last_status IS 'HTTP status of the last poll (NULL: no answer).';
COMMENT ON COLUMN report_feeds.last_error IS 'Why the last poll failed (NULL: it succeeded).';
COMMENT ON COLUMN report_feeds.last_polled_at IS 'When it was last polled (UTC).';
COMMENT ON COLUMN report_feeds.last_success_at IS 'When it last answered usably (UTC).';
COMMENT ON COLUMN report_feeds.articles IS 'Articles stored from its entries (all dates).';
COMMENT ON COLUMN report_feeds.relevant_articles IS 'Of those, the relevant ones.';

-- report_failures ---------------------------------------------------------------------------
COMMENT ON VIEW report_failures IS 'Chart "failures by reason": URLs that could not (yet) become articles, per day of their last failure, stage and kind of reason.';
COMMENT ON COLUMN report_failures.day IS 'Day (UTC) of their last failed attempt.';
COMMENT ON COLUMN report_failures.stage IS 'Where they failed: feed, robots, refused, fetch, extract ...';
COMMENT ON COLUMN report_failures.reason IS 'The kind of reason: failures.reason up to its first colon or parenthesis (HTTP 404, timeout, connection failed ...).';
COMMENT ON COLUMN report_failures.transient IS 'true: will be retried (timeouts, 5xx, 429); false: will not change by itself.';
COMMENT ON COLUMN report_failures.urls IS 'URLs failing that way.';
COMMENT ON COLUMN report_failures.attempts IS 'Their failed attempts in all.';
COMMENT ON COLUMN report_failures.example IS 'One full reason of the group, as failures.reason has it.';

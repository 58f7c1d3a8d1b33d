-- Classification: when and by which classifier each article was classified, and the MinHash
-- signatures that keep story clusters stable across runs.

ALTER TABLE articles ADD COLUMN classifier_version VARCHAR;
ALTER TABLE articles ADD COLUMN classified_at TIMESTAMPTZ;
ALTER TABLE articles ADD COLUMN primary_theme VARCHAR;

CREATE TABLE article_signatures (
    article_id VARCHAR PRIMARY KEY,
    scheme     VARCHAR NOT NULL,
    signature  UINTEGER[] NOT NULL,
    story_date TIMESTAMPTZ
);

-- analysts' shortcuts
CREATE VIEW article_primary_theme AS
SELECT a.article_id, a.title, a.source, a.published_at, t.theme, t.score, t.evidence
FROM articles a
JOIN (SELECT *, row_number() OVER (PARTITION BY article_id ORDER BY score DESC, theme) AS rank
      FROM article_themes) t ON t.article_id = a.article_id AND t.rank = 1;

CREATE VIEW story_clusters AS
SELECT cluster_id, count(*) AS articles, min(published_at) AS first_published,
       list(source ORDER BY published_at) AS sources, any_value(title ORDER BY published_at) AS title
FROM articles
WHERE cluster_id IS NOT NULL
GROUP BY cluster_id;

ALTER TABLE runs ADD COLUMN articles_classified INTEGER DEFAULT 0;
ALTER TABLE runs ADD COLUMN articles_relevant INTEGER DEFAULT 0;
ALTER TABLE runs ADD COLUMN articles_clustered INTEGER DEFAULT 0;

-- Analysts' corrections ("Themes an analyst can trust", part 2): `chipwire label` appends rows to
-- `labels`; `label_effective` folds them into one verdict per article (the latest label of a
-- theme or of relevance wins); every classification saved applies it (warehouse/labels.py), so
-- a correction survives `reclassify`. `article_themes.source` says where a theme came from.

CREATE TABLE labels (
    label_id    BIGINT PRIMARY KEY,
    article_id  VARCHAR NOT NULL,
    theme       VARCHAR,
    verdict     VARCHAR NOT NULL,
    labelled_by VARCHAR,
    labelled_at TIMESTAMPTZ NOT NULL,
    note        VARCHAR
);

ALTER TABLE article_themes ADD COLUMN source VARCHAR;
ALTER TABLE article_themes ADD COLUMN probability DOUBLE;
ALTER TABLE articles ADD COLUMN uncertainty DOUBLE;

-- One row per labelled article: what its labels say now. A theme's latest label decides
-- whether it is present (`present` or `primary`) or absent; a theme named present implies the
-- article is relevant unless an `irrelevant` verdict came later; `irrelevant` clears the themes
-- named before it; the primary is the latest `primary` label whose theme is still present.
CREATE VIEW label_effective AS
WITH last_theme AS (
    SELECT article_id, theme, arg_max(verdict, label_id) AS verdict, max(label_id) AS label_id
    FROM labels WHERE theme IS NOT NULL GROUP BY article_id, theme
),
per_article AS (
    SELECT article_id, count(*) AS labels, max(labelled_at) AS last_labelled_at,
           arg_max(verdict, label_id) FILTER (WHERE theme IS NULL) AS rel_verdict,
           max(label_id) FILTER (WHERE theme IS NULL) AS rel_id,
           coalesce(max(label_id) FILTER (WHERE theme IS NULL AND verdict = 'irrelevant'), -1) AS cut
    FROM labels GROUP BY article_id
),
primaries AS (
    SELECT l.article_id, arg_max(l.theme, l.label_id) AS primary_theme
    FROM labels l JOIN per_article p USING (article_id)
    JOIN last_theme t ON t.article_id = l.article_id AND t.theme = l.theme AND t.verdict IN ('present', 'primary')
    WHERE l.verdict = 'primary' AND l.label_id > p.cut AND t.label_id > p.cut
    GROUP BY l.article_id
),
verdicts AS (
    SELECT p.*, n.named_id,
           CASE WHEN n.named_id > p.cut AND (p.rel_id IS NULL OR n.named_id > p.rel_id) THEN true
                WHEN p.rel_verdict = 'relevant' THEN true
                WHEN p.rel_verdict = 'irrelevant' THEN false END AS relevant
    FROM per_article p LEFT JOIN (
        SELECT article_id, max(label_id) AS named_id FROM last_theme
        WHERE verdict IN ('present', 'primary') GROUP BY article_id) n USING (article_id)
)
SELECT v.article_id, v.relevant,
       CASE WHEN v.relevant IS false THEN CAST([] AS VARCHAR[])
            ELSE coalesce(list(t.theme ORDER BY t.theme) FILTER (WHERE t.verdict IN ('present', 'primary')
                                                                  AND t.label_id > v.cut), CAST([] AS VARCHAR[]))
       END AS themes,
       coalesce(list(t.theme ORDER BY t.theme) FILTER (WHERE t.verdict = 'absent'), CAST([] AS VARCHAR[])) AS not_themes,
       CASE WHEN v.relevant IS false THEN NULL ELSE any_value(m.primary_theme) END AS primary_theme,
       v.labels, v.last_labelled_at
FROM verdicts v LEFT JOIN last_theme t USING (article_id) LEFT JOIN primaries m USING (article_id)
GROUP BY v.article_id, v.relevant, v.cut, v.labels, v.last_labelled_at;

COMMENT ON TABLE labels IS 'Analysts'' corrections, one row per verdict, appended by `chipwire label` (never edited): they override the classifier, survive `reclassify` and train the next model (`chipwire train`). label_effective says what they add up to.';
COMMENT ON COLUMN labels.label_id IS 'Order of the labels (1, 2, ...): a later label of the same theme, or of relevance, wins.';
COMMENT ON COLUMN labels.article_id IS 'The article corrected (articles.article_id).';
COMMENT ON COLUMN labels.theme IS 'The theme the verdict is about (a taxonomy id); NULL for a verdict on relevance.';
COMMENT ON COLUMN labels.verdict IS 'present (the article has the theme), primary (it is the article''s main theme), absent (it has not), relevant or irrelevant (theme NULL: on the topic or not).';
COMMENT ON COLUMN labels.labelled_by IS 'Who labelled it (--by, else the login name).';
COMMENT ON COLUMN labels.labelled_at IS 'When it was labelled (UTC).';
COMMENT ON COLUMN labels.note IS 'The analyst''s note (--note; NULL: none).';

COMMENT ON COLUMN article_themes.source IS 'Where the theme came from: model (the learned classifier), rules (the taxonomy''s terms: a language the model does not cover, or a theme it was not trained on) or analyst (a correction in labels, which reclassify keeps).';
COMMENT ON COLUMN article_themes.probability IS 'The model''s probability that the theme is clearly present (NULL: assigned by the terms or by an analyst).';
COMMENT ON COLUMN articles.uncertainty IS 'How unsure the classifier was of this article, 0-1 (highest: least sure; relevance near its threshold, two themes close for primary, a theme near its threshold): `chipwire review` lists the highest first. NULL: classified before it was recorded.';

COMMENT ON VIEW label_effective IS 'One row per labelled article: what its labels add up to now (the latest label of each theme and of relevance wins); applied to every classification saved.';
COMMENT ON COLUMN label_effective.article_id IS 'The article (articles.article_id).';
COMMENT ON COLUMN label_effective.relevant IS 'The analyst''s verdict on relevance (NULL: not said; naming a theme present implies true).';
COMMENT ON COLUMN label_effective.themes IS 'Themes the analyst says it has, sorted (kept or added, source analyst).';
COMMENT ON COLUMN label_effective.not_themes IS 'Themes the analyst says it has not, sorted (removed from article_themes).';
COMMENT ON COLUMN label_effective.primary_theme IS 'The primary theme the analyst named (NULL: the classifier''s order stands).';
COMMENT ON COLUMN label_effective.labels IS 'Label rows of the article.';
COMMENT ON COLUMN label_effective.last_labelled_at IS 'When it was last labelled (UTC).';

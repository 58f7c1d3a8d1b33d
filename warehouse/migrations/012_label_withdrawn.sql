-- An analyst takes a label back (`chipwire label ID --withdraw THEME|relevance|all`): a row with
-- verdict `withdrawn` (theme NULL: the relevance verdict). Labels stay appended, never edited or
-- deleted; the latest label of a theme decides, and `withdrawn` says nothing, so the classifier
-- decides that theme again. A withdrawn `irrelevant` no longer clears the themes named before it.

CREATE OR REPLACE VIEW label_effective AS
WITH last_theme AS (
    SELECT article_id, theme, arg_max(verdict, label_id) AS verdict, max(label_id) AS label_id
    FROM labels WHERE theme IS NOT NULL GROUP BY article_id, theme
),
per_article AS (
    SELECT article_id, count(*) AS labels, max(labelled_at) AS last_labelled_at,
           arg_max(verdict, label_id) FILTER (WHERE theme IS NULL) AS rel_verdict,
           max(label_id) FILTER (WHERE theme IS NULL) AS rel_id,
           coalesce(max(label_id) FILTER (WHERE theme IS NULL AND verdict = 'irrelevant'), -1) AS irrelevant_id,
           coalesce(max(label_id) FILTER (WHERE theme IS NULL AND verdict = 'withdrawn'), -1) AS withdrawn_id
    FROM labels GROUP BY article_id
),
cuts AS (
    SELECT * EXCLUDE (irrelevant_id, withdrawn_id),
           CASE WHEN irrelevant_id > withdrawn_id THEN irrelevant_id ELSE -1 END AS cut
    FROM per_article
),
primaries AS (
    SELECT l.article_id, arg_max(l.theme, l.label_id) AS primary_theme
    FROM labels l JOIN cuts p USING (article_id)
    JOIN last_theme t ON t.article_id = l.article_id AND t.theme = l.theme AND t.verdict IN ('present', 'primary')
    WHERE l.verdict = 'primary' AND l.label_id > p.cut AND t.label_id > p.cut
    GROUP BY l.article_id
),
verdicts AS (
    SELECT p.*, n.named_id,
           CASE WHEN n.named_id > p.cut AND (p.rel_id IS NULL OR n.named_id > p.rel_id) THEN true
                WHEN p.rel_verdict = 'relevant' THEN true
                WHEN p.rel_verdict = 'irrelevant' THEN false END AS relevant
    FROM cuts p LEFT JOIN (
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

COMMENT ON COLUMN labels.verdict IS 'present (the article has the theme), primary (it is the article''s main theme), absent (it has not), relevant or irrelevant (theme NULL: on the topic or not), withdrawn (the analyst takes back the earlier labels of that theme, or with theme NULL of relevance: the classifier decides again).';
COMMENT ON VIEW label_effective IS 'One row per labelled article: what its labels add up to now (the latest label of each theme and of relevance wins; a withdrawn one says nothing); applied to every classification saved.';
COMMENT ON COLUMN label_effective.article_id IS 'The article (articles.article_id).';
COMMENT ON COLUMN label_effective.relevant IS 'The analyst''s verdict on relevance (NULL: not said, or withdrawn; naming a theme present implies true).';
COMMENT ON COLUMN label_effective.themes IS 'Themes the analyst says it has, sorted (kept or added, source analyst).';
COMMENT ON COLUMN label_effective.not_themes IS 'Themes the analyst says it has not, sorted (removed from article_themes).';
COMMENT ON COLUMN label_effective.primary_theme IS 'The primary theme the analyst named (NULL: the classifier''s order stands).';
COMMENT ON COLUMN label_effective.labels IS 'Label rows of the article.';
COMMENT ON COLUMN label_effective.last_labelled_at IS 'When it was last labelled (UTC).';

"""Analysts' corrections: the ``labels`` table (one row per verdict, appended, never edited), what
they add up to (the ``label_effective`` view, migration 011) and how they are applied.

``apply_labels(con, ids)`` is the one place corrections reach the stored classification: every
classification saved (``warehouse.classification.write_classifications``, which the worker
path through ``Articles.save`` and the classify stage both use) calls it for the articles it
saved, and ``Labels.add`` calls it for the articles just labelled. So a correction holds from
the moment it is made and survives ``reclassify``:

- relevance: the analyst's verdict sets ``is_relevant`` (``relevance`` stays the model's
  probability); irrelevant leaves the article no themes;
- a theme said absent is removed; a theme said present is kept, or added (score below the
  classifier's themes, evidence naming the analyst), and marked ``source = 'analyst'``;
- a primary the analyst named gets score 1 (every other theme of the article stays below it);
  ``articles.primary_theme`` is the highest score again.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import pyarrow as pa

from .errors import WarehouseError
from .staging import dicts, staged, utcnow

if TYPE_CHECKING:
    from .staging import Facade

VERDICTS = ("present", "primary", "absent", "relevant", "irrelevant", "withdrawn")
LABEL_SCHEMA = pa.schema([
    ("article_id", pa.string()), ("theme", pa.string()), ("verdict", pa.string()), ("labelled_by", pa.string()),
    ("note", pa.string()), ("seq", pa.int64()),
])
ANALYST_SCORE = 0.5  # an added theme's score, times the lowest score the article's themes have


class LabelError(WarehouseError):
    """A label cannot be stored (an article the warehouse does not hold); one line."""


_APPLY = (
    # what the labels of the articles in lab_ids say now
    "CREATE OR REPLACE TEMP TABLE lab_apply AS SELECT * FROM label_effective "
    "WHERE article_id IN (SELECT article_id FROM lab_ids)",
    "UPDATE articles SET is_relevant = l.relevant FROM lab_apply l "
    "WHERE articles.article_id = l.article_id AND l.relevant IS NOT NULL",
    "DELETE FROM article_themes WHERE EXISTS (SELECT 1 FROM lab_apply l WHERE l.article_id = article_themes.article_id "
    "AND (l.relevant IS false OR list_contains(l.not_themes, article_themes.theme)))",
    "UPDATE article_themes SET source = 'analyst' FROM (SELECT article_id, unnest(themes) AS theme FROM lab_apply) p "
    "WHERE article_themes.article_id = p.article_id AND article_themes.theme = p.theme",
    # themes the classifier did not give: added below its own, evidence naming the analyst
    "INSERT INTO article_themes (article_id, theme, score, evidence, classifier_version, source, probability) "
    "SELECT p.article_id, p.theme, coalesce(lo.score, 1.0) * " + str(ANALYST_SCORE) + ", "
    "  'labelled by ' || coalesce(n.labelled_by, 'an analyst') || coalesce(': ' || n.note, ''), "
    "  a.classifier_version, 'analyst', NULL "
    "FROM (SELECT article_id, unnest(themes) AS theme FROM lab_apply) p "
    "JOIN articles a USING (article_id) "
    "LEFT JOIN (SELECT article_id, min(score) AS score FROM article_themes GROUP BY 1) lo USING (article_id) "
    "LEFT JOIN (SELECT article_id, theme, arg_max(labelled_by, label_id) AS labelled_by, arg_max(note, label_id) AS note "
    "           FROM labels WHERE theme IS NOT NULL GROUP BY ALL) n USING (article_id, theme) "
    "WHERE NOT EXISTS (SELECT 1 FROM article_themes t WHERE t.article_id = p.article_id AND t.theme = p.theme)",
    # a named primary: score 1, every other theme of its article below it
    "UPDATE article_themes SET score = CASE WHEN theme = l.primary_theme THEN 1.0 ELSE least(score, 0.999999) END "
    "FROM lab_apply l WHERE article_themes.article_id = l.article_id AND l.primary_theme IS NOT NULL",
    "UPDATE articles SET primary_theme = (SELECT t.theme FROM article_themes t WHERE t.article_id = articles.article_id "
    "ORDER BY t.score DESC, t.theme LIMIT 1) WHERE article_id IN (SELECT article_id FROM lab_apply)",
    "DROP TABLE lab_apply",
)
# the relations apply_labels reads article ids from (staged by its callers), as constant SQL
_IDS = {name: f"CREATE OR REPLACE TEMP TABLE lab_ids AS SELECT DISTINCT article_id FROM {name} "
              "WHERE article_id IN (SELECT article_id FROM labels)" for name in ("cls_batch", "label_batch")}


def apply_labels(con, ids: str) -> None:
    """Apply the analysts' labels to the stored classification of the articles whose ids the
    relation ``ids`` lists (``cls_batch`` or ``label_batch``, staged by the caller), in ``con``'s
    transaction. Costs one small join when none of them is labelled."""
    if not con.execute("SELECT 1 FROM labels LIMIT 1").fetchall():
        return  # nobody has labelled anything: nothing to look up
    con.execute(_IDS[ids])
    if con.execute("SELECT count(*) FROM lab_ids").fetchall()[0][0]:
        for sql in _APPLY:
            con.execute(sql)
    con.execute("DROP TABLE lab_ids")


_REVIEW = """
WITH t AS (SELECT article_id, list(theme ORDER BY score DESC, theme) AS themes FROM article_themes GROUP BY 1)
SELECT a.article_id, a.title, coalesce(a.source, a.site) AS source, a.language, a.relevance, a.is_relevant,
       coalesce(t.themes, CAST([] AS VARCHAR[])) AS themes,
       round(coalesce(a.uncertainty, 1 - abs(2 * a.relevance - 1)), 4) AS uncertainty
FROM articles a LEFT JOIN t USING (article_id)
WHERE a.classified_at IS NOT NULL AND a.relevance IS NOT NULL
  AND a.article_id NOT IN (SELECT article_id FROM labels)
  AND ($theme::VARCHAR IS NULL OR list_contains(t.themes, $theme))
ORDER BY uncertainty DESC, a.article_id
LIMIT $limit
"""


class Labels:
    def __init__(self, wh: Facade):
        self.wh = wh

    def add(self, labels: list[dict], now: datetime | None = None) -> dict[str, int]:
        """Store labels (article_id, theme or None, verdict, labelled_by, note; in the order
        given) and apply them to the stored classification of their articles, in one
        transaction: all of them or, on an article id the warehouse does not hold, none."""
        bad = [lab["verdict"] for lab in labels if lab.get("verdict") not in VERDICTS]
        if bad:
            raise LabelError(f"unknown verdict {bad[0]!r} (one of {', '.join(VERDICTS)})")
        rows = [{**lab, "seq": i} for i, lab in enumerate(labels)]
        with self.wh.transaction() as con, staged(con, "label_batch", pa.Table.from_pylist(
                [{k: r.get(k) for k in LABEL_SCHEMA.names} for r in rows], schema=LABEL_SCHEMA)):
            missing = con.execute("SELECT DISTINCT article_id FROM label_batch ANTI JOIN articles USING (article_id) "
                                  "ORDER BY 1 LIMIT 1").fetchall()
            if missing:
                raise LabelError(f"no article {missing[0][0]!r} in {self.wh.path} (see `chipwire review` or "
                                 "`chipwire query \"select article_id, title from articles\"`)")
            con.execute("INSERT INTO labels SELECT (SELECT coalesce(max(label_id), 0) FROM labels) + seq + 1, "
                        "article_id, theme, verdict, labelled_by, $now, note FROM label_batch ORDER BY seq",
                        {"now": now or utcnow()})
            apply_labels(con, "label_batch")
            # a withdrawn verdict goes back to the classifier: the article is due for classifying
            # (`chipwire label` does it at once; stopped before, the next classify stage does)
            con.execute("UPDATE articles SET classified_at = NULL WHERE article_id IN "
                        "(SELECT article_id FROM label_batch WHERE verdict = 'withdrawn')")
            articles = con.execute("SELECT count(DISTINCT article_id) FROM label_batch").fetchall()[0][0]
        return {"labels": len(rows), "articles": int(articles)}

    def effective(self, article_ids: list[str] | None = None) -> list[dict]:
        """What the labels say now, one dict per labelled article (label_effective's columns),
        with the article's title, text and language (what training reads)."""
        where = "" if article_ids is None else "WHERE e.article_id IN (SELECT unnest($ids::VARCHAR[]))"
        with self.wh.connect() as con:
            return dicts(con.execute(
                "SELECT e.*, a.title, a.text, a.language FROM label_effective e JOIN articles a USING (article_id) "
                f"{where} ORDER BY e.article_id", {"ids": article_ids} if article_ids is not None else {}))

    def review(self, limit: int = 20, theme: str | None = None) -> list[dict]:
        """Classified articles nobody has labelled, the ones the classifier is least sure of
        first (``articles.uncertainty``; for an article classified before it was recorded, how
        near its relevance is to 0.5); ``theme``: only articles with that theme."""
        with self.wh.connect() as con:
            return dicts(con.execute(_REVIEW, {"limit": max(0, int(limit)), "theme": theme}))

    def classification_of(self, article_ids: list[str]) -> list[dict]:
        """The stored classification of some articles: is_relevant, primary_theme, and their
        themes (highest score first) with each theme's source."""
        with self.wh.connect() as con:
            return dicts(con.execute(
                "SELECT a.article_id, a.is_relevant, a.primary_theme, "
                "coalesce(list(t.theme ORDER BY t.score DESC, t.theme) FILTER (WHERE t.theme IS NOT NULL), []) AS themes, "
                "coalesce(list(t.source ORDER BY t.score DESC, t.theme) FILTER (WHERE t.theme IS NOT NULL), []) AS sources "
                "FROM articles a LEFT JOIN article_themes t USING (article_id) "
                "WHERE a.article_id IN (SELECT unnest($ids::VARCHAR[])) GROUP BY ALL ORDER BY a.article_id",
                {"ids": list(article_ids)}))

    def stored_ids(self, article_ids: list[str]) -> set[str]:
        """Which of these article ids the warehouse holds."""
        with self.wh.connect() as con:
            rows = con.execute("SELECT article_id FROM articles WHERE article_id IN (SELECT unnest($ids::VARCHAR[]))",
                               {"ids": list(article_ids)}).fetchall()
        return {r[0] for r in rows}


__all__ = ["ANALYST_SCORE", "LABEL_SCHEMA", "LabelError", "Labels", "VERDICTS", "apply_labels"]

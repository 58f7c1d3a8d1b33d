"""Classification: each article's relevance, themes, entities, and its MinHash signature with the
LSH band keys the clusters room looks copies up by (computed by the caller)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import pyarrow as pa

from .records import ArticleBands, BandRow, ClassRow, EntityRow, SignatureRow, ThemeRow
from .staging import records_table, rows_by_keys, schema_of, staged, utcnow
from .labels import apply_labels

if TYPE_CHECKING:
    from .staging import Facade

CLASS_SCHEMA = schema_of(ClassRow)
THEME_SCHEMA = schema_of(ThemeRow)
ENTITY_SCHEMA = schema_of(EntityRow)
SIG_SCHEMA = schema_of(SignatureRow)
BAND_SCHEMA = schema_of(BandRow)

_RELEVANCE = (
    "UPDATE articles SET relevance = c.relevance, is_relevant = c.is_relevant, "
    "primary_theme = c.primary_theme, classifier_version = c.classifier_version, classified_at = $now, "
    "uncertainty = c.uncertainty "
    "FROM cls_batch c WHERE articles.article_id = c.article_id"
)
# source: "rules" for themes the taxonomy's terms assigned (a "+terms" version, or no probability)
_THEMES = ("INSERT INTO article_themes (article_id, theme, score, evidence, classifier_version, source, probability) "
           "SELECT article_id, theme, score, evidence, classifier_version, CASE WHEN probability IS NULL "
           "OR classifier_version LIKE '%+terms' THEN 'rules' ELSE 'model' END, probability FROM theme_batch")
# "+terms": scored by the taxonomy's terms (a language the model has not seen): current too
_STALE = ("(classified_at IS NULL OR classified_at < updated_at OR "
          " (classifier_version IS DISTINCT FROM $version AND classifier_version IS DISTINCT FROM $version || '+terms'))")
# the keys of a page of due articles ({where}: _STALE, or every one), then the page's rows
_PENDING_KEYS = ("SELECT rowid, article_id FROM articles WHERE {where} AND article_id > $after "
                 "AND ($ids::VARCHAR[] IS NULL OR list_contains($ids::VARCHAR[], article_id)) "
                 "ORDER BY article_id LIMIT {limit}")
_PENDING_OF = ("SELECT article_id, title, text, language, coalesce(published_at, fetched_at) AS story_date, "
               "syndicated_from FROM articles WHERE list_contains($ids::VARCHAR[], article_id) {also}ORDER BY article_id")
_PENDING_ROWS = _PENDING_OF.format(also="")
_PENDING_IN_RANGE = _PENDING_OF.format(also="AND rowid BETWEEN $lo AND $hi ")


def bands_table(bands: list[ArticleBands]) -> pa.Table:
    """``article_bands`` rows of some articles, built column by column."""
    band = [b for a in bands for b in range(len(a.keys))]
    key = [k for a in bands for k in a.keys]
    ids = [a.article_id for a in bands for _ in a.keys]
    return pa.Table.from_arrays([pa.array(band, pa.int16()), pa.array(key, pa.uint64()), pa.array(ids, pa.string())],
                                schema=BAND_SCHEMA)


def _write_signatures(con, signatures: list[SignatureRow], bands: list[ArticleBands]) -> None:
    with staged(con, "sig_batch", records_table(signatures, SIG_SCHEMA)):
        con.execute("INSERT OR REPLACE INTO article_signatures SELECT article_id, scheme, signature, story_date "
                    "FROM sig_batch")
        con.execute("DELETE FROM article_bands WHERE article_id IN (SELECT article_id FROM sig_batch)")
    if bands:
        with staged(con, "band_batch", bands_table(bands)):
            con.execute("INSERT INTO article_bands SELECT band, key, article_id FROM band_batch")


def write_classifications(con, rows: list[ClassRow], themes: list[ThemeRow], entities: list[EntityRow],
                          signatures: list[SignatureRow], bands: list[ArticleBands] = (), *, now: datetime) -> None:
    """``Classification.save`` in ``con``'s transaction (also used by ``Articles.save``)."""
    with staged(con, "cls_batch", records_table(rows, CLASS_SCHEMA)):
        con.execute("DELETE FROM article_themes WHERE article_id IN (SELECT article_id FROM cls_batch)")
        con.execute("DELETE FROM article_entities WHERE article_id IN (SELECT article_id FROM cls_batch)")
        if themes:
            with staged(con, "theme_batch", records_table(themes, THEME_SCHEMA)):
                con.execute(_THEMES)
        if entities:
            with staged(con, "entity_batch", records_table(entities, ENTITY_SCHEMA)):
                con.execute("INSERT INTO article_entities SELECT article_id, entity, kind, sum(mentions)::INTEGER "
                            "FROM entity_batch GROUP BY ALL")
        if signatures:
            _write_signatures(con, signatures, list(bands))
        con.execute(_RELEVANCE, {"now": now})
        apply_labels(con, "cls_batch")  # analysts' corrections win, whatever classified the articles


class Classification:
    def __init__(self, wh: Facade):
        self.wh = wh

    def pending(self, version: str, limit: int, force: bool = False, after: str = "",
                ids: list[str] | None = None) -> list[dict]:
        """Articles never classified, classified by another classifier version, or whose text
        changed since (ordered by article_id, after ``after``; ``force``: all of them; ``ids``:
        only these articles).
        The due articles are found first from the narrow columns, then their texts are read by
        their range of rowids: a look that finds few or none does not read every stored text
        (it did: 135 MB held at 40,000 articles with none due; benchmarks/warehouse_scale.py)."""
        where = "$version IS NOT NULL" if force else _STALE
        with self.wh.connect() as con:
            keys = con.execute(_PENDING_KEYS.format(where=where, limit=int(limit)),
                               {"version": version, "after": after, "ids": ids}).fetchall()
            if not keys:
                return []
            return rows_by_keys(con, _PENDING_IN_RANGE, _PENDING_ROWS, [aid for _, aid in keys], [r for r, _ in keys])

    def save(self, rows: list[ClassRow], themes: list[ThemeRow], entities: list[EntityRow],
             signatures: list[SignatureRow], bands: list[ArticleBands] = ()) -> None:
        """Replace the themes, entities, signatures and LSH band keys (band, key, article_id) of
        the classified articles (one row per article and theme, never duplicated) and set their
        relevance, in one transaction. Clusters are placed afterwards (``Clusters.assign``)."""
        with self.wh.transaction() as con:
            write_classifications(con, rows, themes, entities, signatures, bands, now=utcnow())

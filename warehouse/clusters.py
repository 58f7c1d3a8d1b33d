"""Clusters: which story each article belongs to, found through the stored LSH band keys."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pyarrow as pa

from .classification import BAND_SCHEMA
from .records import BandRow
from .staging import dicts, records_table, staged

if TYPE_CHECKING:
    from .staging import Facade

_CANDIDATES = (
    "SELECT s.article_id, s.signature, s.story_date, a.cluster_id FROM article_signatures s "
    "JOIN articles a USING (article_id) WHERE a.cluster_id IS NOT NULL AND s.article_id IN ("
    "  SELECT DISTINCT b.article_id FROM article_bands b JOIN probe p ON b.band = p.band AND b.key = p.key"
    "  WHERE b.article_id NOT IN (SELECT article_id FROM probe))"
)


class Clusters:
    def __init__(self, wh: Facade):
        self.wh = wh

    def pending(self, limit: int) -> list[dict]:
        """Articles with a signature but no cluster yet, earliest story first."""
        with self.wh.connect() as con:
            return dicts(con.execute(
                "SELECT a.article_id, s.signature, s.story_date, a.syndicated_from FROM articles a "
                "JOIN article_signatures s USING (article_id) WHERE a.cluster_id IS NULL "
                f"ORDER BY s.story_date NULLS LAST, a.article_id LIMIT {int(limit)}"))

    def reset(self) -> None:
        with self.wh.transaction() as con:
            con.execute("UPDATE articles SET cluster_id = NULL WHERE cluster_id IS NOT NULL")

    def assign(self, updates: dict[str, str]) -> None:
        """article_id -> cluster_id."""
        if not updates:
            return
        with self.wh.transaction() as con:
            with staged(con, "cluster_batch", pa.table({"article_id": list(updates), "cluster_id": list(updates.values())})):
                con.execute("UPDATE articles SET cluster_id = c.cluster_id FROM cluster_batch c "
                            "WHERE articles.article_id = c.article_id")

    def candidate_copies(self, bands: list[BandRow]) -> list[tuple]:
        """(article_id, signature, story_date, cluster_id) of clustered articles sharing an LSH
        bucket with any of ``bands`` (band, key, article_id of the new articles)."""
        if not bands:
            return []
        with self.wh.connect() as con:
            with staged(con, "probe", records_table(bands, BAND_SCHEMA)):
                return con.execute(_CANDIDATES).fetchall()

    def rename(self, renames: dict[str, str]) -> None:
        """Every article of cluster ``old`` moves to cluster ``new`` (an earlier copy arrived)."""
        if not renames:
            return
        with self.wh.transaction() as con:
            with staged(con, "rename_batch", pa.table({"old": list(renames), "new": list(renames.values())})):
                con.execute("UPDATE articles SET cluster_id = r.new FROM rename_batch r WHERE articles.cluster_id = r.old")

    def of_urls(self, urls: list[str]) -> dict[str, str]:
        """url -> cluster id of the article that url leads to (for syndicated copies)."""
        if not urls:
            return {}
        with self.wh.connect() as con:
            with staged(con, "url_list", pa.table({"url": urls})):
                rows = con.execute(
                    "SELECT u.url, coalesce(a.cluster_id, a.article_id) FROM url_list l JOIN article_urls u USING (url) "
                    "JOIN articles a USING (article_id)").fetchall()
        return dict(rows)

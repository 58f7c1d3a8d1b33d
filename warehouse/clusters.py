"""Clusters: which story each article belongs to, found through the stored LSH band keys."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from .classification import bands_table
from .records import ArticleBands
from .staging import cache_bounded, staged

if TYPE_CHECKING:
    from .staging import Facade

# the stored articles sharing a band key with the new articles (whose keys are computed from
# their signatures, as stored: a scan of the stored keys to find theirs cost more than the search)
_SHARING = ("SELECT DISTINCT b.article_id FROM probe n JOIN article_bands b ON b.band = n.band AND b.key = n.key "
            "WHERE b.article_id NOT IN (SELECT article_id FROM probe)")
_CANDIDATES = ("SELECT s.article_id, s.signature, s.story_date, a.cluster_id FROM article_signatures s "
               "JOIN articles a USING (article_id) WHERE a.cluster_id IS NOT NULL "
               "AND s.article_id IN (SELECT article_id FROM sharing)")


def signatures(column: pa.ChunkedArray) -> list[np.ndarray | None]:
    """A signature column as numpy arrays (views into Arrow's buffer; None where null), not as
    lists of Python ints (~36 bytes a value: ~9 KB a 256-value signature, 16 MB for the 1,654
    candidates of one batch of a 4,000-page run, issue 17)."""
    out: list[np.ndarray | None] = []
    for chunk in column.chunks:
        values = chunk.values.to_numpy(zero_copy_only=False)
        offsets = chunk.offsets.to_numpy()
        valid = chunk.is_valid().to_numpy(zero_copy_only=False)
        out += [values[offsets[i]:offsets[i + 1]] if valid[i] else None for i in range(len(chunk))]
    return out


def _rows(table: pa.Table) -> list[dict]:
    """A result's rows as dicts, its ``signature`` column as numpy arrays (``signatures``)."""
    rest = table.drop_columns(["signature"]).to_pylist()
    return [{**row, "signature": sig} for row, sig in zip(rest, signatures(table.column("signature")))]


class Clusters:
    def __init__(self, wh: Facade):
        self.wh = wh

    def pending(self, limit: int) -> list[dict]:
        """Articles with a signature but no cluster yet, earliest story first."""
        with self.wh.connect() as con:
            table = con.sql(
                "SELECT a.article_id, s.signature, s.story_date, a.syndicated_from FROM articles a "
                "JOIN article_signatures s USING (article_id) WHERE a.cluster_id IS NULL "
                f"ORDER BY s.story_date NULLS LAST, a.article_id LIMIT {int(limit)}").to_arrow_table()
        return _rows(table)

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

    def candidate_copies(self, bands: list[ArticleBands]) -> list[tuple]:
        """(article_id, signature, story_date, cluster_id) of clustered articles sharing an LSH
        bucket (a stored band key) with any of the articles whose keys are ``bands``."""
        if not any(b.keys for b in bands):
            return []
        with self.wh.connect() as con:
            with staged(con, "probe", bands_table(bands)):
                # the join scans every stored band key (128 an article): its cache is bounded
                sharing = cache_bounded(con, lambda: con.sql(_SHARING).to_arrow_table())
            with staged(con, "sharing", sharing):
                table = con.sql(_CANDIDATES).to_arrow_table()
        return [(r["article_id"], r["signature"], r["story_date"], r["cluster_id"]) for r in _rows(table)]

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

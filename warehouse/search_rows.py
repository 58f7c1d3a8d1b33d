"""Reading the articles table for the search index (`search.SearchIndex.sync`): every article a
slice of rowids at a time, or a list of articles by where they are stored, never more than a
slice's text at once."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from .opening import WaitingMarkers
from .staging import cache_bounded, dicts, rows_by_keys

SLICE = 1000  # rows of the articles table read per step (held at once: ~10-20 MB of text)
SCATTERED = 4  # wanted articles in more runs of SLICE rowids than this are read in one query by id

# the stamp of an article: what the index holds of it changes only if this changes
STAMP = """left(md5(concat_ws('|', epoch_us(a.updated_at), coalesce(epoch_us(a.classified_at), 0),
                              coalesce(array_to_string(t.themes, ','), ''))), 16)"""
# the articles of a slice of rowids, or of a few ids, as indexed
_ROWS_WHERE = """
WITH r AS (SELECT * FROM articles WHERE {where}),
t AS (SELECT article_id, list(theme ORDER BY score DESC, theme) AS themes FROM article_themes
      WHERE article_id IN (SELECT article_id FROM r) GROUP BY article_id)
SELECT a.article_id, a.title, a.text, a.language, a.source, a.url,
       coalesce(a.published_at, a.fetched_at) AS date, t.themes,
       """ + STAMP + """ AS stamp
FROM r a LEFT JOIN t USING (article_id)
"""
_ROWS = _ROWS_WHERE.format(where="rowid >= $lo AND rowid < $hi")  # rowids [$lo, $hi)
# the articles $ids among rowids [$lo, $hi]: DuckDB reads the text of that range only
_ROWS_LISTED = _ROWS_WHERE.format(where="rowid BETWEEN $lo AND $hi AND list_contains($ids, article_id)")
_ROWS_BY_ID = _ROWS_WHERE.format(where="article_id IN (SELECT unnest($ids::VARCHAR[]))")  # wherever they are
# where the articles $ids are (a hash join on the id column alone: no text is read)
_ROWIDS_OF = """SELECT a.rowid, a.article_id FROM articles a
SEMI JOIN (SELECT unnest($ids::VARCHAR[]) AS article_id) w USING (article_id) ORDER BY a.rowid"""
_ROWID_END = "SELECT coalesce(max(rowid), -1) + 1 FROM articles"


def _runs(located: list[tuple[int, str]], width: int) -> Iterator[list[tuple[int, str]]]:
    """(rowid, id) pairs in rowid order, cut into runs that each span fewer than ``width`` rowids."""
    run: list[tuple[int, str]] = []
    for pair in located:
        if run and pair[0] - run[0][0] >= width:
            yield run
            run = []
        run.append(pair)
    if run:
        yield run


class SliceReader:
    """Reads slices of the articles table through one read-only connection, let go between two
    slices when another process waits for the warehouse (a run that wants to write): a long
    rebuild never keeps a run out for more than a slice, and does not reopen the file (DuckDB
    replays its write-ahead log at every open) when nobody waits. In a run (``Warehouse.kept_open()``) the
    connection is the run's own instance, let go after every slice for the run's other threads."""

    def __init__(self, wh):
        self.wh = wh
        self.markers = WaitingMarkers(wh.path, wh.lock_wait)
        self._stack: contextlib.ExitStack | None = None
        self._con = None

    def _connection(self):
        if self._con is not None and self.markers.others():
            self.close()
        if self._con is None:
            self._stack = contextlib.ExitStack()
            self._con = self._stack.enter_context(self.wh.connect(read_only=True))
        return self._con

    def everything(self) -> Iterator[list[dict]]:
        """Every article, a slice of SLICE rowids at a time."""
        end = self._connection().execute(_ROWID_END).fetchall()[0][0]
        for lo in range(0, max(end, 1), SLICE):
            yield self._read(lambda con: dicts(con.execute(_ROWS, {"lo": lo, "hi": lo + SLICE})))

    def listed(self, wanted: list[str]) -> Iterator[list[dict]]:
        """The articles ``wanted`` that exist, read by runs of nearby rowids (a run spans fewer
        than SLICE rowids: a run's read holds its own rows' text, not the table's). A few
        articles scattered over the table (more than SCATTERED runs, at most SLICE articles)
        are read in one query by id instead: each run's read costs a scan, and one read of
        the whole table costs less than many."""
        located = self._connection().execute(_ROWIDS_OF, {"ids": wanted}).fetchall()
        runs = list(_runs(located, SLICE))
        if len(runs) > SCATTERED and len(located) <= SLICE:
            ids = [article_id for _, article_id in located]
            # a scan of every stored text: its cache is bounded (staging.cache_bounded)
            yield self._read(lambda con: cache_bounded(con, lambda: dicts(con.execute(_ROWS_BY_ID, {"ids": ids}))))
            return
        for run in runs:
            yield self._read(lambda con: rows_by_keys(con, _ROWS_LISTED, _ROWS_BY_ID, [a for _, a in run],
                                                      [r for r, _ in run]))

    def _read(self, fetch) -> list[dict]:
        rows = fetch(self._connection())
        if self.wh.is_kept_open:  # a run: its own instance, cheap to take again; its other threads go first
            self.close()
        return rows

    def close(self) -> None:
        if self._con is not None:
            self._con = None
            self._stack.close()

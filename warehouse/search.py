"""The full-text search index beside the warehouse: ``<db>.search/`` (like ``<db>.bodies/``).

Layout::

    <db>.search/
        writer.lock             held (flock) by the one process writing the index
        CURRENT                 {"generation": "g1-...", "schema": 1}: the index in use
        g1-<time>-<pid>/        a tantivy index, plus
            chipwire.json       when it was last brought up to date
            manifest.parquet    article_id -> stamp of every article it holds

The index is a *derived* copy of the warehouse, brought up to date by ``SearchIndex.sync``:
it compares each article's stamp (a digest of updated_at, classified_at and its themes, so a
new, re-extracted, site-cleaned, reclassified or relabelled article changes it) with the
manifest's, and re-indexes what differs and drops what the warehouse no longer has. So the
same call catches up after a crash, after an older chipwire wrote articles, or after a run
that was stopped before its last sync. ``since`` narrows the comparison to articles changed
since then (what a run does after each loaded batch); a run ends with a full comparison.

One writer at a time: ``writer.lock`` is an exclusive flock held for a whole sync or rebuild
(released by the kernel if the process dies; tantivy's own writer lock sits inside each
generation too). Readers take no lock: tantivy readers see the last commit, and a rebuild
writes a new generation and then switches ``CURRENT`` atomically (os.replace), so a search
never sees a half-built index. The manifest is written after tantivy's commit: a crash in
between leaves stamps older than the index, and those articles are merely indexed again.

Rebuilt from scratch when missing, unreadable, or of another SCHEMA_VERSION.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from .errors import SearchIndexBusy, SearchIndexError, WarehouseError
from .search_schema import SCHEMA_VERSION, build_schema, group_of, register

CHUNK = 2000  # articles read from the warehouse and added per step
WRITER_HEAP = 32_000_000  # bytes of tantivy's indexing buffer (one thread): kept small on purpose
MARGIN = timedelta(minutes=10)  # a ``since`` sync looks this much further back (transactions in flight)

# the stamp of an article: what the index holds of it changes only if this changes
_STAMP = """left(md5(concat_ws('|', epoch_us(a.updated_at), coalesce(epoch_us(a.classified_at), 0),
                              coalesce(array_to_string(t.themes, ','), ''))), 16)"""
# articles whose stamp is not the manifest's (all of them, or those changed since $since)
_CHANGED = """
WITH t AS (SELECT article_id, list(theme ORDER BY theme) AS themes FROM article_themes GROUP BY article_id),
s AS (SELECT a.article_id, """ + _STAMP + """ AS stamp FROM articles a LEFT JOIN t USING (article_id)
      WHERE $since::TIMESTAMPTZ IS NULL OR a.updated_at >= $since OR a.classified_at >= $since)
SELECT s.article_id FROM s LEFT JOIN manifest m USING (article_id)
WHERE m.stamp IS DISTINCT FROM s.stamp ORDER BY s.article_id
"""
_REMOVED = "SELECT m.article_id FROM manifest m ANTI JOIN articles a USING (article_id)"
_ROWS = """
WITH t AS (SELECT article_id, list(theme ORDER BY theme) AS themes FROM article_themes
           WHERE article_id IN (SELECT article_id FROM wanted) GROUP BY article_id)
SELECT a.article_id, a.title, a.text, a.language, a.source, a.url,
       coalesce(a.published_at, a.fetched_at) AS date, t.themes,
       """ + _STAMP + """ AS stamp
FROM articles a LEFT JOIN t USING (article_id)
WHERE a.article_id IN (SELECT article_id FROM wanted)
"""
_ALL_IDS = "SELECT article_id FROM articles ORDER BY article_id"


@dataclass
class SyncReport:
    indexed: int = 0  # articles (re)indexed
    removed: int = 0  # articles dropped from the index
    rebuilt: bool = False
    seconds: float = 0.0


def _now() -> datetime:
    return datetime.now(timezone.utc)


class SearchIndex:
    """The index directory of one warehouse file. Cheap to construct; nothing is opened."""

    def __init__(self, db_path: str | Path):
        db_path = Path(db_path)
        self.db_path = db_path
        self.dir = db_path.with_name(db_path.name + ".search")

    # -- reading -----------------------------------------------------------------------------
    def current(self) -> Path | None:
        """The generation in use, or None when there is none of this schema version."""
        try:
            info = json.loads((self.dir / "CURRENT").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        path = self.dir / str(info.get("generation", ""))
        if info.get("schema") != SCHEMA_VERSION or not (path / "meta.json").is_file():
            return None
        return path

    def open_index(self, generation: Path | None = None):
        """The tantivy index in use, read-only use intended; SearchIndexError when missing."""
        import tantivy

        for _ in range(3):  # a rebuild may switch generations between reading CURRENT and opening
            path = generation or self.current()
            if path is None:
                raise SearchIndexError(f"{self.dir}: no search index yet")
            try:
                index = tantivy.Index.open(str(path))
            except (OSError, ValueError) as err:
                if generation is not None:
                    raise SearchIndexError(f"{path}: unreadable search index ({err})") from None
                time.sleep(0.05)
                continue
            register(index)
            return index
        raise SearchIndexError(f"{self.dir}: unreadable search index")

    def info(self) -> dict:
        """What chipwire.json of the generation in use says ({} when there is none)."""
        path = self.current()
        if path is None:
            return {}
        try:
            return json.loads((path / "chipwire.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}

    # -- writing -----------------------------------------------------------------------------
    @contextlib.contextmanager
    def writing(self, wait: float) -> Iterator[None]:
        """Hold writer.lock (waiting up to ``wait`` seconds): the one writer of the index."""
        self.dir.mkdir(parents=True, exist_ok=True)
        handle = open(self.dir / "writer.lock", "a+b")
        try:
            deadline = time.monotonic() + wait
            while True:
                try:
                    fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise SearchIndexBusy(f"{self.dir}: another process is writing the search index") from None
                    time.sleep(0.1)
            yield
        finally:
            handle.close()  # releases the lock

    def sync(self, wh, since: datetime | None = None, rebuild: bool = False, wait: float = 30.0) -> SyncReport:
        """Bring the index up to date with warehouse ``wh`` (module docstring); a rebuild when
        there is no usable index or ``rebuild``. ``since``: compare only articles changed since
        then (less MARGIN) and drop nothing; None compares them all."""
        started = time.monotonic()
        with self.writing(wait):
            generation = None if rebuild else self.current()
            if generation is None:
                report = self._rebuild(wh)
            else:
                report = self._update(wh, generation, since)
        report.seconds = time.monotonic() - started
        return report

    def _update(self, wh, generation: Path, since: datetime | None) -> SyncReport:
        manifest = _read_manifest(generation)
        stamp_from = None if since is None else since - MARGIN
        began = _now()
        with wh.connect(read_only=True) as con:
            changed, removed = _diff(con, manifest, stamp_from)
        report = SyncReport()
        if not changed and not removed:
            _write_info(generation, began, len(manifest))
            return report
        index = self.open_index(generation)
        writer = index.writer(WRITER_HEAP, 1)
        try:
            for article_id in removed:
                writer.delete_documents_by_term("article_id", article_id)
                manifest.pop(article_id, None)
            report.removed = len(removed)
            for start in range(0, len(changed), CHUNK):
                wanted = changed[start:start + CHUNK]
                with wh.connect(read_only=True) as con:
                    rows = _rows(con, wanted)
                for article_id in wanted:  # gone meanwhile, or about to be replaced
                    writer.delete_documents_by_term("article_id", article_id)
                    manifest.pop(article_id, None)
                for row in rows:
                    writer.add_document(_document(row))
                    manifest[row["article_id"]] = row["stamp"]
                report.indexed += len(rows)
            writer.commit()
        except BaseException:
            writer.rollback()
            raise
        finally:
            writer.wait_merging_threads()
        _write_manifest(generation, manifest)
        _write_info(generation, began, len(manifest))
        return report

    def _rebuild(self, wh) -> SyncReport:
        import tantivy

        name = f"g{SCHEMA_VERSION}-{int(time.time() * 1000):x}-{os.getpid()}"
        path = self.dir / name
        path.mkdir()
        try:
            began = _now()
            index = tantivy.Index(build_schema(), path=str(path))
            register(index)
            writer = index.writer(WRITER_HEAP, 1)
            manifest: dict[str, str] = {}
            with wh.connect(read_only=True) as con:
                ids = [r[0] for r in con.execute(_ALL_IDS).fetchall()]
            for start in range(0, len(ids), CHUNK):
                with wh.connect(read_only=True) as con:
                    rows = _rows(con, ids[start:start + CHUNK])
                for row in rows:
                    writer.add_document(_document(row))
                    manifest[row["article_id"]] = row["stamp"]
            writer.commit()
            writer.wait_merging_threads()
            _write_manifest(path, manifest)
            _write_info(path, began, len(manifest))
        except BaseException:
            shutil.rmtree(path, ignore_errors=True)
            raise
        self._switch_to(name)
        return SyncReport(indexed=len(manifest), rebuilt=True)

    def _switch_to(self, name: str) -> None:
        tmp = self.dir / f"CURRENT.{os.getpid()}.tmp"
        tmp.write_text(json.dumps({"generation": name, "schema": SCHEMA_VERSION}), encoding="utf-8")
        os.replace(tmp, self.dir / "CURRENT")
        for old in self.dir.iterdir():  # readers that opened an old one keep their open files
            if old.is_dir() and old.name != name:
                shutil.rmtree(old, ignore_errors=True)


def _diff(con, manifest: dict[str, str], since: datetime | None) -> tuple[list[str], list[str]]:
    """(articles whose stamp differs from the manifest's, articles the warehouse no longer has)."""
    import pyarrow as pa

    table = pa.table({"article_id": pa.array(list(manifest), pa.string()),
                      "stamp": pa.array(list(manifest.values()), pa.string())})
    con.register("manifest", table)
    try:
        changed = [r[0] for r in con.execute(_CHANGED, {"since": since}).fetchall()]
        removed = [] if since is not None else [r[0] for r in con.execute(_REMOVED).fetchall()]
    finally:
        con.unregister("manifest")
    return changed, removed


def _rows(con, ids: list[str]) -> list[dict]:
    import pyarrow as pa

    con.register("wanted", pa.table({"article_id": pa.array(ids, pa.string())}))
    try:
        cur = con.execute(_ROWS)
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, row)) for row in cur.fetchall()]
    finally:
        con.unregister("wanted")


def _document(row: dict):
    """The tantivy document of one article (its text in its language group's fields)."""
    import tantivy

    group = group_of(row["language"])
    doc = tantivy.Document(article_id=row["article_id"], lang=(row["language"] or "").lower())
    for field in ("source", "url"):
        if row[field]:
            doc.add_text(field, row[field])
    for theme in row["themes"] or ():
        doc.add_text("theme", theme)
    if row["date"] is not None:
        doc.add_date("date", row["date"].astimezone(timezone.utc))
    doc.add_text(f"title_{group}", row["title"] or "")
    doc.add_text(f"body_{group}", row["text"] or "")
    return doc


def _read_manifest(generation: Path) -> dict[str, str]:
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(generation / "manifest.parquet")
    except (OSError, ValueError):
        return {}  # no manifest: every article is compared as new, and indexed again
    return dict(zip(table.column("article_id").to_pylist(), table.column("stamp").to_pylist()))


def _write_manifest(generation: Path, manifest: dict[str, str]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    tmp = generation / f"manifest.{os.getpid()}.tmp"
    pq.write_table(pa.table({"article_id": pa.array(list(manifest), pa.string()),
                             "stamp": pa.array(list(manifest.values()), pa.string())}), tmp)
    os.replace(tmp, generation / "manifest.parquet")


def _write_info(generation: Path, synced_at: datetime, docs: int) -> None:
    tmp = generation / f"chipwire.{os.getpid()}.tmp"
    tmp.write_text(json.dumps({"schema": SCHEMA_VERSION, "synced_at": synced_at.isoformat(), "articles": docs}),
                   encoding="utf-8")
    os.replace(tmp, generation / "chipwire.json")


def last_synced(index: SearchIndex) -> datetime | None:
    """When the index in use was last brought up to date (None: never)."""
    value = index.info().get("synced_at")
    try:
        return datetime.fromisoformat(value) if value else None
    except ValueError:
        return None


__all__ = ["SearchIndex", "SyncReport", "last_synced", "WarehouseError"]

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
from .search_rows import STAMP, SliceReader
from .search_schema import SCHEMA_VERSION, build_schema, group_of, register

WRITER_HEAP = 32_000_000  # bytes of tantivy's indexing buffer (one thread) for updates: kept small
REBUILD_HEAP = 64_000_000  # and for a rebuild (fewer, larger segments to merge), split among
REBUILD_THREADS = 2  # indexing threads (tantivy's), beside the thread that reads the warehouse
MARGIN = timedelta(minutes=10)  # a ``since`` sync looks this much further back (transactions in flight)

# articles whose stamp is not the manifest's (all of them, or those changed since $since)
_CHANGED = """
WITH t AS (SELECT article_id, list(theme ORDER BY score DESC, theme) AS themes FROM article_themes GROUP BY article_id),
s AS (SELECT a.article_id, """ + STAMP + """ AS stamp FROM articles a LEFT JOIN t USING (article_id)
      WHERE $since::TIMESTAMPTZ IS NULL OR a.updated_at >= $since OR a.classified_at >= $since)
SELECT s.article_id FROM s LEFT JOIN manifest m USING (article_id)
WHERE m.stamp IS DISTINCT FROM s.stamp ORDER BY s.article_id
"""
_REMOVED = "SELECT m.article_id FROM manifest m ANTI JOIN articles a USING (article_id)"


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
        began = _now()
        with wh.connect(read_only=True) as con:
            changed, removed = _diff(con, manifest, None if since is None else since - MARGIN)
        report = SyncReport()
        if changed or removed:
            index = self.open_index(generation)
            writer = index.writer(WRITER_HEAP, 1)
            try:
                for article_id in removed + changed:  # the changed are added again below (unless gone)
                    writer.delete_documents_by_term("article_id", article_id)
                added = _add_all(wh, writer, changed)
                writer.commit()
            except BaseException:
                writer.rollback()
                raise
            finally:
                writer.wait_merging_threads()
            manifest = _merged(manifest, removed + changed, added)
            _write_manifest(generation, manifest)
            report.indexed, report.removed = added.num_rows, len(removed)
        _write_info(generation, began, manifest.num_rows)
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
            writer = index.writer(REBUILD_HEAP, REBUILD_THREADS)
            manifest = _add_all(wh, writer, None)
            writer.commit()
            writer.wait_merging_threads()
            _write_manifest(path, manifest)
            _write_info(path, began, manifest.num_rows)
        except BaseException:
            shutil.rmtree(path, ignore_errors=True)
            raise
        self._switch_to(name)
        return SyncReport(indexed=manifest.num_rows, rebuilt=True)

    def _switch_to(self, name: str) -> None:
        tmp = self.dir / f"CURRENT.{os.getpid()}.tmp"
        tmp.write_text(json.dumps({"generation": name, "schema": SCHEMA_VERSION}), encoding="utf-8")
        os.replace(tmp, self.dir / "CURRENT")
        for old in self.dir.iterdir():  # readers that opened an old one keep their open files
            if old.is_dir() and old.name != name:
                shutil.rmtree(old, ignore_errors=True)


def _diff(con, manifest, since: datetime | None) -> tuple[list[str], list[str]]:
    """(articles whose stamp differs from the manifest's, articles the warehouse no longer has)."""
    con.register("manifest", manifest)
    try:
        changed = [r[0] for r in con.execute(_CHANGED, {"since": since}).fetchall()]
        removed = [] if since is not None else [r[0] for r in con.execute(_REMOVED).fetchall()]
    finally:
        con.unregister("manifest")
    return changed, removed


def _add_all(wh, writer, wanted: list[str] | None):
    """Add the articles ``wanted`` (None: all) to ``writer``; returns their (article_id, stamp)
    as an Arrow table. Read in slices of the table (rowid ranges: no sorting, no repeated scan
    of the whole table); the wanted ones by where they are stored, so that a run's sync of
    its latest articles reads their text alone, not every stored text (memory and time that
    grew with the warehouse: docs/benchmarks.md, fourteenth session)."""
    import pyarrow as pa

    reader = SliceReader(wh)
    ids: list[str] = []
    stamps: list[str] = []
    seen: set[str] = set()
    try:
        pages = reader.everything() if wanted is None else reader.listed(wanted)
        for rows in pages:
            for row in rows:
                if row["article_id"] in seen:  # moved within the table while it was read: once only
                    writer.delete_documents_by_term("article_id", row["article_id"])
                seen.add(row["article_id"])
                writer.add_document(_document(row))
                ids.append(row["article_id"])
                stamps.append(row["stamp"])
    finally:
        reader.close()
    table = pa.table({"article_id": pa.array(ids, pa.string()), "stamp": pa.array(stamps, pa.string())})
    return _merged(table, [], None) if len(seen) < len(ids) else table


def _merged(manifest, dropped: list[str], added):
    """``manifest`` less the ``dropped`` ids, plus ``added`` (last row of an id wins)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if dropped:
        manifest = manifest.filter(pc.invert(pc.is_in(manifest["article_id"], value_set=pa.array(dropped, pa.string()))))
    if added is not None and added.num_rows:
        manifest = pa.concat_tables([manifest, added])
    if len(pc.unique(manifest["article_id"])) < manifest.num_rows:  # keep the last of each id
        ids = manifest["article_id"].to_pylist()
        last = {aid: i for i, aid in enumerate(ids)}
        manifest = manifest.take(pa.array(sorted(last.values()), pa.int64()))
    return manifest


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


def _read_manifest(generation: Path):
    """The manifest (Arrow: article_id, stamp); empty when missing or unreadable, and then every
    article compares as new and is indexed again."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        return pq.read_table(generation / "manifest.parquet").select(["article_id", "stamp"])
    except (OSError, ValueError, KeyError):
        return pa.table({"article_id": pa.array([], pa.string()), "stamp": pa.array([], pa.string())})


def _write_manifest(generation: Path, manifest) -> None:
    import pyarrow.parquet as pq

    tmp = generation / f"manifest.{os.getpid()}.tmp"
    pq.write_table(manifest, tmp)
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

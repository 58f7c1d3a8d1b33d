"""What `chipwire demo` reads and writes in its warehouse: the token that marks a file as the
demo's (so the demo replaces only a warehouse it made), and the example questions it asks."""

from __future__ import annotations

from pathlib import Path

from .opening import EXTENSIONS_OFF

# (title, SQL): what the demo runs and prints after its ingest, for a newcomer to copy
EXAMPLE_QUESTIONS = [
    ("Articles per outlet", "select source, count(*) as articles, min(published_at)::date as first, "
     "max(published_at)::date as last from articles group by source order by articles desc"),
    ("Languages", "select language, count(*) as articles from articles group by 1 order by 2 desc"),
    ("Latest five", "select published_at::date as day, source, left(title, 70) as title "
     "from articles order by published_at desc limit 5"),
    ("Relevant or not (off-topic stories are kept, flagged)", "select is_relevant, count(*) as articles, "
     "round(avg(relevance), 2) as mean_relevance from articles group by 1 order by 1 desc"),
    ("Primary theme per relevant article", "select theme, count(*) as articles from article_primary_theme "
     "group by 1 order by 2 desc"),
    ("Most mentioned chips and rules", "select entity, kind, sum(mentions) as mentions from article_entities "
     "where kind in ('chip', 'rule', 'agency') group by all order by mentions desc limit 8"),
    ("Stories told more than once", "select cluster_id, articles, sources, left(title, 50) as title "
     "from story_clusters where articles > 1"),
    ("What failed, and why", "select stage, reason, count(*) as urls from failures group by all order by urls desc"),
    ("The run", "select flow, status, feeds_polled, pages_fetched, articles_new, "
     "round(epoch(finished_at - started_at), 1) as seconds from runs order by started_at"),
]


def demo_token(db_path: Path) -> str | None:
    """The demo's token stored inside the file, or None (not a DuckDB file, no token)."""
    import duckdb

    if not db_path.is_file() or db_path.is_symlink():
        return None
    try:
        con = duckdb.connect(str(db_path), read_only=True, config=EXTENSIONS_OFF)
    except duckdb.Error:
        return None
    try:
        return con.execute("SELECT token FROM chipwire_demo").fetchall()[0][0]
    except (duckdb.Error, IndexError):
        return None
    finally:
        con.close()


def sign_demo(db_path: Path, token: str) -> None:
    """Store ``token`` in a new file, marking it as the demo's."""
    import duckdb

    con = duckdb.connect(str(db_path), config=EXTENSIONS_OFF)
    try:
        con.execute("CREATE TABLE chipwire_demo (token VARCHAR)")
        con.execute("COMMENT ON TABLE chipwire_demo IS 'Marks this warehouse as made by chipwire demo, "
                    "which may replace it (and only it)'")
        con.execute("COMMENT ON COLUMN chipwire_demo.token IS 'A random token also kept in <db>.demo/owner.json'")
        con.execute("INSERT INTO chipwire_demo VALUES (?)", [token])
    finally:
        con.close()

"""Builders for realistic fixture pages and feeds used by the end-to-end tests, and a
read-only look into a warehouse file."""

from __future__ import annotations

import importlib.util
import sys
from datetime import datetime
from pathlib import Path
from email.utils import format_datetime
from html import escape

LOREM = {
    "en": [
        "The US Commerce Department tightened its rules on advanced computing chips on {day}, adding "
        "a licence requirement for shipments of accelerators that exceed the new performance threshold.",
        "Officials at the Bureau of Industry and Security said the change closes a gap that had let "
        "distributors in third countries resell restricted processors to buyers in China.",
        "Nvidia said it was reviewing the rule and expected to apply for licences for some customers, "
        "while analysts estimated the measure could affect several billion dollars of annual sales.",
        "Chinese cloud providers have stockpiled chips for months, according to people familiar with "
        "their purchasing, and some have turned to renting capacity in data centres abroad.",
    ],
    "de": [
        "Das US-Handelsministerium hat am {day} die Ausfuhrregeln für leistungsstarke KI-Chips "
        "verschärft und eine Lizenzpflicht für weitere Beschleuniger eingeführt.",
        "Nach Angaben der Behörde soll die Änderung verhindern, dass Händler in Drittstaaten "
        "gesperrte Prozessoren an Käufer in China weiterverkaufen.",
        "Nvidia erklärte, man prüfe die Regel und wolle für einige Kunden Genehmigungen beantragen; "
        "Analysten schätzen die betroffenen Umsätze auf mehrere Milliarden Dollar im Jahr.",
        "Chinesische Cloud-Anbieter haben nach Berichten seit Monaten Chips gehortet und mieten "
        "zunehmend Rechenkapazität in Rechenzentren im Ausland.",
    ],
}


def article_html(title: str, when: datetime, *, lang: str = "en", n: int = 0, canonical: str | None = None,
                 style: str = "og", author: str = "Jane Doe") -> str:
    paras = [p.format(day=when.strftime("%d %B %Y")) + f" (report {n}, paragraph {i})"
             for i, p in enumerate(LOREM[lang] * 2)]
    head = [f"<title>{escape(title)} | Example News</title>", '<meta charset="utf-8">']
    if style == "og":
        head += [f'<meta property="og:title" content="{escape(title)}">',
                 f'<meta property="article:published_time" content="{when.isoformat()}">',
                 f'<meta name="author" content="{escape(author)}">']
    elif style == "jsonld":
        head.append('<script type="application/ld+json">{"@context":"https://schema.org","@type":"NewsArticle",'
                    f'"headline":"{escape(title)}","datePublished":"{when.isoformat()}",'
                    f'"author":{{"@type":"Person","name":"{escape(author)}"}}}}</script>')
    if canonical:
        head.append(f'<link rel="canonical" href="{canonical}">')
    time_el = f'<time datetime="{when.isoformat()}">{when:%d %B %Y}</time>' if style == "time" else ""
    body = "\n".join(f"<p>{escape(p)}</p>" for p in paras)
    lang_attr = f' lang="{lang}"' if style != "nolang" else ""
    return (f"<!DOCTYPE html><html{lang_attr}><head>{''.join(head)}</head><body>"
            "<header><nav><a href='/'>Home</a> <a href='/world'>World</a> <a href='/tech'>Tech</a></nav></header>"
            f"<main><article><h1>{escape(title)}</h1>{time_el}<p class='byline'>By {escape(author)}</p>{body}</article></main>"
            "<footer><p>© Example News. All rights reserved.</p></footer></body></html>")


def rss20(title: str, items: list[tuple[str, str, datetime]]) -> str:
    body = "".join(
        f"<item><title>{escape(t)}</title><link>{escape(link)}</link><guid>{escape(link)}</guid>"
        f"<pubDate>{format_datetime(when)}</pubDate></item>" for t, link, when in items)
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{escape(title)}</title>'
            f"<link>http://example.invalid/</link><description>d</description>{body}</channel></rss>")


def atom(title: str, items: list[tuple[str, str, datetime]], updated: dict[str, datetime] | None = None) -> str:
    updated = updated or {}
    body = "".join(
        f'<entry><title>{escape(t)}</title><link rel="alternate" href="{escape(link)}"/><id>{escape(link)}</id>'
        f"<published>{when.isoformat()}</published><updated>{(updated.get(link) or when).isoformat()}</updated>"
        "<author><name>Staff</name></author></entry>" for t, link, when in items)
    return (f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
            f"<title>{escape(title)}</title><id>urn:x</id><updated>2025-01-01T00:00:00Z</updated>{body}</feed>")


def rss10(title: str, items: list[tuple[str, str, datetime]]) -> str:
    seq = "".join(f'<rdf:li rdf:resource="{escape(link)}"/>' for _, link, _ in items)
    body = "".join(
        f'<item rdf:about="{escape(link)}"><title>{escape(t)}</title><link>{escape(link)}</link>'
        f"<dc:date>{when.isoformat()}</dc:date></item>" for t, link, when in items)
    return ('<?xml version="1.0" encoding="utf-8"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
            'xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">'
            f'<channel rdf:about="urn:x"><title>{escape(title)}</title><link>http://example.invalid/</link>'
            f"<description>d</description><items><rdf:Seq>{seq}</rdf:Seq></items></channel>{body}</rdf:RDF>")


def rows(db, sql: str) -> list[tuple]:
    """Run ``sql`` on the DuckDB file ``db`` (a path, or Settings with a db_path), read-only."""
    import duckdb

    path = getattr(db, "db_path", db)
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def pipeline_run(wh, batch_size: int = 100):
    """A run context over ``wh`` for driving `flows.pipeline` without Prefect: no progress
    display, one extraction process, and no classification in the worker (``taxonomy_path``
    None: the caller classifies)."""
    from flows.progress import Progress
    from flows.run import Run
    from flows.settings import Settings

    settings = Settings(db_path=Path(wh.path), sources_path=Path("sources.toml"), taxonomy_path=None,
                        batch_size=batch_size, workers=1, progress=False)
    return Run(settings=settings, wh=wh, run_id=None, flow="test", progress=Progress(enabled=False))


def ingest_with_stages(wh, sites, sources_path) -> None:
    """The ingest stages through the pipeline production uses (plain calls, no Prefect) over
    loopback ``sites``: poll, queue, fetch while extracting, learn each site's furniture.
    Classification is left to the caller."""
    from extractors.sources import parse_sources
    from flows import collect, pipeline
    from flows.demo.run import write_demo_sources

    write_demo_sources(sites, sources_path)
    sources = parse_sources(sources_path.read_text(), str(sources_path))
    run = pipeline_run(wh)
    collect.poll_feeds(sources, wh, robots=run.robots)
    collect.queue_pages(sources, wh)
    pipeline.fetch_and_extract(run, sources)


def eval_classify_module():
    """benchmarks/eval_classify.py loaded as a module (it is a script, not a package member)."""
    path = Path(__file__).resolve().parents[1] / "benchmarks" / "eval_classify.py"
    spec = importlib.util.spec_from_file_location("eval_classify", path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("eval_classify", mod)
    spec.loader.exec_module(mod)
    return sys.modules["eval_classify"]


def chipwire_process(env: dict, *args: str, timeout: float = 300):
    """`python -m flows.cli ARGS` in a process of its own, its output captured."""
    import subprocess

    return subprocess.run([sys.executable, "-m", "flows.cli", *args], env=env, capture_output=True, text=True,
                          timeout=timeout)


def warehouse_rows(db: Path, sql: str) -> list[tuple]:
    """The rows of ``sql`` over the warehouse at ``db`` (through `chipwire query`'s path)."""
    from warehouse.db import Warehouse

    return Warehouse(db).operations.query(sql)[1]


def many_articles(db: Path, n: int, classifier_version: str | None = None, words: int = 120):
    """A warehouse of ``n`` articles of ``words`` hexadecimal words (~4 KB) each, with ids like chipwire's
    (hashes: DuckDB cannot narrow a scan by their range), written by SQL: the test is about how
    they are read, not how they came; ``classifier_version``: classified by it, else never)."""
    from warehouse.db import Warehouse

    wh = Warehouse(db)
    wh.migrate()
    with wh.transaction() as con:
        con.execute("""INSERT INTO articles (article_id, url, canonical_url, title, text, language,
                                             first_seen_at, updated_at, classifier_version, classified_at)
            SELECT left(md5('id' || i), 20), 'https://x.example/' || i, 'https://x.example/' || i,
                   'Story ' || i, (SELECT string_agg(md5((i * 100 + k)::VARCHAR), ' ') FROM range($words) t(k)),
                   'en', now() - INTERVAL 1 HOUR, now() - INTERVAL 1 HOUR, $version,
                   CASE WHEN $version IS NULL THEN NULL ELSE now() END
            FROM range($n) r(i)""", {"n": n, "version": classifier_version, "words": words})
    return wh

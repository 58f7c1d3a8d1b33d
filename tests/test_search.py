"""`chipwire search`: the demo outlets (served on loopback) and two pages of unsegmented Chinese
and Japanese text (written for this test) go through the real stages into a real warehouse;
the real index beside it (<db>.search/) is searched through the command."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from dataclasses import fields, replace
from pathlib import Path

import duckdb
import pytest

from flows import cli
from flows.demo.server import LoopbackSites, bundled_sites
from tests.pages import ingest_with_stages, many_articles, pipeline_run
from warehouse.db import Warehouse
from warehouse.records import ArticleRow, ClassRow, ThemeRow
from warehouse.search import SearchIndex
from warehouse.staging import held_bytes

REPO = Path(__file__).resolve().parents[1]

ZH_PAGE = """<!DOCTYPE html><html lang="zh"><head><meta charset="utf-8"><title>深圳海关查获藏在手机配件中的走私芯片</title>
<meta property="og:title" content="深圳海关查获藏在手机配件中的走私芯片">
<meta property="article:published_time" content="2025-08-12T08:00:00+08:00"></head><body><article>
<h1>深圳海关查获藏在手机配件中的走私芯片</h1>
<p>深圳海关周二表示，关员在皇岗口岸查验一辆申报为手机配件的货车时，发现车厢夹层内藏有约两百块高性能图形处理器，案值估计超过三千万元。</p>
<p>据海关介绍，这批处理器属于受美国出口管制的产品，货主试图通过伪报品名的方式将其运入内地。目前案件已移交缉私部门进一步调查，两名涉案人员被依法采取强制措施。</p>
<p>业内人士表示，随着管制范围不断扩大，利用物流夹带芯片的案件有所增加，海关部门正在加强对电子产品进口的风险布控。</p>
</article></body></html>"""

JA_PAGE = """<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8"><title>経済産業省、先端半導体の製造装置を輸出管理の対象に追加</title>
<meta property="og:title" content="経済産業省、先端半導体の製造装置を輸出管理の対象に追加">
<meta property="article:published_time" content="2025-09-03T10:00:00+09:00"></head><body><article>
<h1>経済産業省、先端半導体の製造装置を輸出管理の対象に追加</h1>
<p>経済産業省は水曜日、先端半導体の製造に使われる露光装置や洗浄装置など二十三品目を新たに輸出管理の対象に加えると発表した。中国向けの出荷には個別の許可が必要になる。</p>
<p>政府は特定の国を名指ししていないが、米国やオランダと歩調を合わせた措置とみられる。国内の装置メーカーは業績への影響は限定的だと説明している。</p>
<p>業界団体の関係者は、規制の範囲が今後さらに広がる可能性があると話している。</p>
</article></body></html>"""


def _store_and_extract(wh: Warehouse, paths: list[Path]) -> None:
    """Saved pages through the real pipeline, as `backfill --dir` stores and extracts them."""
    from flows import pipeline
    from flows.files import file_records

    records, _copies = file_records(paths)
    wh.frontier.add([r.entry for r in records])
    wh.pages.save_fetches([r.page for r in records], [])
    pipeline.extract_stored(pipeline_run(wh))


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo warehouse with its themes, two CJK pages, and its search index."""
    from extractors.taxonomy import load_taxonomy
    from flows import refine

    tmp = tmp_path_factory.mktemp("search")
    pages = tmp / "pages"
    pages.mkdir()
    (pages / "zh-customs.html").write_text(ZH_PAGE, encoding="utf-8")
    (pages / "ja-tools.html").write_text(JA_PAGE, encoding="utf-8")
    sites = bundled_sites()
    db = tmp / "demo.duckdb"
    with LoopbackSites(sites):
        wh = Warehouse(db)
        wh.migrate()
        ingest_with_stages(wh, sites, tmp / "sources.toml")
    _store_and_extract(wh, sorted(pages.iterdir()))
    refine.classify_pending(wh, load_taxonomy())
    SearchIndex(db).sync(wh)
    return db


def search_json(capsys, db: Path, *args: str) -> list[dict]:
    code = cli.main(["search", *args, "--db", str(db), "--format", "json"])
    out = capsys.readouterr()
    assert code == 0, out.err
    return [json.loads(line) for line in out.out.splitlines()]


def article(db: Path, url_part: str) -> dict:
    with duckdb.connect(str(db), read_only=True) as con:
        cur = con.execute("SELECT article_id, title, text, language FROM articles WHERE url LIKE ?", [f"%{url_part}%"])
        cols = [d[0] for d in cur.description]
        rows = [dict(zip(cols, r)) for r in cur.fetchall()]
    assert len(rows) == 1, url_part
    return rows[0]


# -- finding the article a query describes --------------------------------------------------------
def test_english_query_finds_the_article_it_describes_first_with_everything_a_hit_shows(demo, capsys):
    target = article(demo, "singapore-server-fraud-case")
    hits = search_json(capsys, demo, "prosecutors say servers were shipped from Singapore to Malaysia")
    assert hits[0]["article_id"] == target["article_id"]
    top = hits[0]
    assert top["title"] == target["title"] and top["source"] == "Chips Daily"
    assert top["date"].startswith("2025-") and top["language"] == "en" and top["themes"], top
    marked = {top["snippet"][a:b].lower() for a, b in top["highlights"]}
    assert marked & {"singapore", "servers", "malaysia", "prosecutors"}, top
    assert [h["rank"] for h in hits] == list(range(1, len(hits) + 1))
    assert all(a["score"] >= b["score"] for a, b in zip(hits, hits[1:]))


def test_an_inflected_form_of_a_query_word_finds_the_article(demo, capsys):
    import re

    target = article(demo, "entity-list-affiliates-rule")
    words = set(re.findall(r"[a-z]+", (target["title"] + " " + target["text"]).lower()))
    query = ["blacklisting", "affiliated", "jurisdiction"]  # the article says blacklisted, affiliates, jurisdictions
    assert not words & set(query) and {"blacklisted", "affiliates", "jurisdictions"} <= words
    hits = search_json(capsys, demo, " ".join(query))
    assert hits[0]["article_id"] == target["article_id"]
    marked = {hits[0]["snippet"][a:b].lower() for a, b in hits[0]["highlights"]}
    assert marked & {"blacklisted", "affiliates", "affiliate", "jurisdictions"}, hits[0]


def test_german_query_with_another_inflection_finds_the_german_article(demo, capsys):
    target = article(demo, "niederlande-asml-exportkontrollen")
    assert target["language"] == "de" and "ersatzteil " not in target["text"].lower()
    hits = search_json(capsys, demo, "Exportkontrolle Ersatzteil ASML")
    assert hits[0]["article_id"] == target["article_id"]


def test_a_query_typed_with_combining_marks_finds_the_composed_text(demo, capsys):
    """Stored text is NFC; a query in decomposed form (a kana and its separate voicing mark, as
    some input methods and copied PDFs give it) is read as the same characters."""
    import unicodedata

    ja = article(demo, "ja-tools")
    assert "だと" in ja["text"]  # "限定的だと説明": だ is one character, U+3060
    query = unicodedata.normalize("NFD", "だと")  # た + U+3099 + と
    assert len(query) == 3
    hits = search_json(capsys, demo, query)
    assert hits and hits[0]["article_id"] == ja["article_id"]


def test_unsegmented_chinese_and_japanese_text_is_found(demo, capsys):
    zh = article(demo, "zh-customs")
    ja = article(demo, "ja-tools")
    assert zh["language"] == "zh" and ja["language"] == "ja"
    # words that occur only inside longer runs of characters, with no space or segmenter
    hits = search_json(capsys, demo, "海关查获走私芯片")
    assert hits[0]["article_id"] == zh["article_id"]
    assert any(hits[0]["snippet"][a:b] in ("海关", "海关查获") or "海关" in hits[0]["snippet"][a:b]
               for a, b in hits[0]["highlights"])
    assert search_json(capsys, demo, "海關查獲")[0]["article_id"] == zh["article_id"]  # traditional script
    hits = search_json(capsys, demo, "製造装置 輸出管理")
    assert hits[0]["article_id"] == ja["article_id"]
    assert search_json(capsys, demo, "露光装置", "--lang", "ja")[0]["article_id"] == ja["article_id"]


def test_quoted_phrase_must_appear_as_written(demo, capsys):
    loose = search_json(capsys, demo, "export Netherlands", "--limit", "50")
    phrase = search_json(capsys, demo, '"export controls"', "--limit", "50")
    assert phrase and len(phrase) < len(loose)
    with duckdb.connect(str(demo), read_only=True) as con:
        texts = dict(con.execute("SELECT article_id, lower(title || ' ' || text) FROM articles").fetchall())
    import re

    assert all(re.search(r"\bexport\W+control", texts[h["article_id"]]) for h in phrase)


# -- filters --------------------------------------------------------------------------------------
def test_filters_theme_language_and_dates(demo, capsys):
    everything = search_json(capsys, demo, "Nvidia chips China", "--limit", "100")
    assert {h["language"] for h in everything} >= {"en", "de"}
    german = search_json(capsys, demo, "Nvidia chips China", "--lang", "de", "--limit", "100")
    assert german and {h["language"] for h in german} == {"de"}
    assert {h["article_id"] for h in german} == {h["article_id"] for h in everything if h["language"] == "de"}
    theme = "smuggling_enforcement"
    themed = search_json(capsys, demo, "Nvidia chips China", "--theme", theme, "--limit", "100")
    assert themed and all(theme in h["themes"] for h in themed)
    assert {h["article_id"] for h in themed} == {h["article_id"] for h in everything if theme in h["themes"]}
    window = search_json(capsys, demo, "Nvidia chips China", "--since", "2025-07-01", "--until", "2025-08-31",
                         "--limit", "100")
    assert window and all("2025-07-01" <= h["date"][:10] <= "2025-08-31" for h in window)
    assert {h["article_id"] for h in window} == {h["article_id"] for h in everything
                                                 if "2025-07-01" <= h["date"][:10] <= "2025-08-31"}
    one_day = search_json(capsys, demo, "H20", "--since", "2025-07-15", "--until", "2025-07-15")
    assert [h["date"][:10] for h in one_day] == ["2025-07-15"]


def test_table_output_shows_title_source_date_themes_and_marked_snippet(demo, capsys):
    assert cli.main(["search", "H20 licences", "--db", str(demo), "--limit", "2"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(" 1. ") and " 2. " in out and ("TechPolicyWire" in out or "Chips Daily" in out)
    assert "2025-0" in out and "**H20**" in out and "score" in out


@pytest.mark.parametrize("args, message", [
    ([""], "empty query"),
    (["!!! ???"], "nothing to search for"),
    (["chips", "--lang", "english"], "two-letter"),
    (["chips", "--since", "2025-09-01", "--until", "2025-08-01"], "is after"),
    (["chips", "--theme", "no_such_theme"], "not a theme"),
    ([" ".join(f"word{i}" for i in range(70))], "at most 64"),
])
def test_bad_input_gives_one_line_error(demo, capsys, args, message):
    assert cli.main(["search", *args, "--db", str(demo)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("chipwire: error:") and message in err and len(err.splitlines()) == 1


@pytest.mark.parametrize("args, message", [
    (["chips", "--since", "2025-13-01"], "not a date"),
    (["chips", "--limit", "0"], "not a positive"),
])
def test_bad_option_values_are_refused_by_the_parser_in_one_line(demo, capsys, args, message):
    with pytest.raises(SystemExit) as exit_:
        cli.main(["search", *args, "--db", str(demo)])
    assert exit_.value.code == 2
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert last.startswith("chipwire search: error:") and message in last


def test_no_warehouse_is_a_one_line_error(tmp_path, capsys):
    assert cli.main(["search", "chips", "--db", str(tmp_path / "none.duckdb")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("chipwire: error:") and "no warehouse" in err and len(err.splitlines()) == 1


# -- the index: rebuilt, followed, shared ---------------------------------------------------------
def _copy_warehouse(src: Path, dst_dir: Path) -> Path:
    dst = dst_dir / "copy.duckdb"
    dst.write_bytes(src.read_bytes())
    wal = src.with_name(src.name + ".wal")
    if wal.exists():
        dst.with_name(dst.name + ".wal").write_bytes(wal.read_bytes())
    return dst


def test_missing_or_stale_index_is_rebuilt(demo, tmp_path, capsys):
    db = _copy_warehouse(demo, tmp_path)
    index = SearchIndex(db)
    assert index.current() is None
    assert cli.main(["search", "Singapore servers", "--db", str(db), "--format", "json"]) == 0
    out = capsys.readouterr()
    assert "search index built" in out.err and json.loads(out.out.splitlines()[0])["title"].startswith("Singapore")
    first = index.current()
    # an index of another schema version is stale: rebuilt, the old generation removed
    (index.dir / "CURRENT").write_text(json.dumps({"generation": first.name, "schema": 0}))
    assert search_json(capsys, db, "Singapore servers")[0]["title"].startswith("Singapore")
    assert index.current() is not None and index.current() != first and not first.exists()
    # --reindex rebuilds on demand
    second = index.current()
    assert cli.main(["search", "--reindex", "H20", "--db", str(db)]) == 0
    assert index.current() != second and "search index built" in capsys.readouterr().err


def test_index_follows_new_updated_reclassified_and_removed_articles(demo, tmp_path, capsys):
    """Warehouse changes made through the warehouse's own write path, then one sync, as a run does."""
    db = _copy_warehouse(demo, tmp_path)
    wh, index = Warehouse(db), SearchIndex(db)
    index.sync(wh)
    target = article(db, "singapore-server-fraud-case")
    base = _full_row(db, target["article_id"])
    # updated: new text (as re-extraction or site cleaning leaves it)
    wh.articles.save([replace(base, text=base.text + "\nThe quokkafruit affair continues.")], [])
    assert search_json(capsys, db, "quokkafruit", "--no-refresh") == []
    report = index.sync(wh)
    assert report.indexed == 1 and not report.rebuilt
    assert [h["article_id"] for h in search_json(capsys, db, "quokkafruit", "--no-refresh")] == [target["article_id"]]
    # new
    new = replace(base, article_id="new-article-1", url="https://example.org/new-1", canonical_url="https://example.org/new-1",
               final_url="https://example.org/new-1", frontier_url="https://example.org/new-1",
               title="Zebrafinch accelerator smuggling ring", text="A zebrafinch story.")
    wh.articles.save([new], [])
    assert index.sync(wh, since=None).indexed == 1
    assert search_json(capsys, db, "zebrafinch", "--no-refresh")[0]["article_id"] == "new-article-1"
    # reclassified: the themes of the hit change, and so does what --theme finds
    rows = [ClassRow(article_id="new-article-1", relevance=0.9, is_relevant=True, primary_theme="geopolitics",
                     classifier_version="test")]
    wh.classification.save(rows, [ThemeRow(article_id="new-article-1", theme="geopolitics", score=0.9,
                                           evidence=None, classifier_version="test")], [], [])
    assert search_json(capsys, db, "zebrafinch", "--theme", "geopolitics", "--no-refresh") == []
    index.sync(wh)
    hit = search_json(capsys, db, "zebrafinch", "--theme", "geopolitics", "--no-refresh")[0]
    assert hit["article_id"] == "new-article-1" and hit["themes"] == ["geopolitics"]
    # removed from the warehouse: gone from the index at the next full comparison
    with wh.transaction() as con:
        con.execute("DELETE FROM articles WHERE article_id = 'new-article-1'")
    assert index.sync(wh).removed == 1
    assert search_json(capsys, db, "zebrafinch", "--no-refresh") == []


def _full_row(db: Path, article_id: str) -> ArticleRow:
    with duckdb.connect(str(db), read_only=True) as con:
        cur = con.execute("SELECT * FROM articles WHERE article_id = ?", [article_id])
        cols = [d[0] for d in cur.description]
        row = dict(zip(cols, cur.fetchone()))
    known = {f.name for f in fields(ArticleRow)}
    return ArticleRow(**{k: v for k, v in row.items() if k in known}, frontier_url=row["url"])


def test_search_catches_up_by_itself_when_no_run_holds_the_warehouse(demo, tmp_path, capsys):
    db = _copy_warehouse(demo, tmp_path)
    wh, index = Warehouse(db), SearchIndex(db)
    index.sync(wh)
    base = _full_row(db, article(db, "h20-licence")["article_id"])
    wh.articles.save([replace(base, text=base.text + "\nMarmosetwise remarks.")], [])
    assert search_json(capsys, db, "marmosetwise", "--no-refresh") == []
    assert [h["article_id"] for h in search_json(capsys, db, "marmosetwise")] == [base.article_id]


def test_search_answers_while_a_run_holds_the_warehouse_and_the_index_writer(demo, tmp_path):
    """Another process holds the warehouse open for writing (as a loading run does) and the index's
    writer lock: `chipwire search` still answers at once, from the index as it is."""
    db = _copy_warehouse(demo, tmp_path)
    SearchIndex(db).sync(Warehouse(db))
    holder = subprocess.Popen(
        [sys.executable, "-c", (
            "import sys, duckdb; sys.path.insert(0, '.'); from warehouse.search import SearchIndex\n"
            f"con = duckdb.connect({str(db)!r})\n"
            f"with SearchIndex({str(db)!r}).writing(0):\n"
            "    print('holding', flush=True); sys.stdin.readline()\n")],
        cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "holding"
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        done = subprocess.run([sys.executable, "-m", "flows.cli", "search", "Singapore servers", "--db", str(db),
                               "--format", "json"], cwd=REPO, env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout.splitlines()[0])["title"].startswith("Singapore")
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)


def test_two_writers_take_turns_and_leave_one_copy_of_each_article(demo, tmp_path):
    db = _copy_warehouse(demo, tmp_path)
    index = SearchIndex(db)
    errors: list[BaseException] = []

    def work(rebuild: bool) -> None:
        try:
            index.sync(Warehouse(db), rebuild=rebuild, wait=120)
        except BaseException as err:  # noqa: BLE001 - reported below
            errors.append(err)

    threads = [threading.Thread(target=work, args=(i % 2 == 0,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with duckdb.connect(str(db), read_only=True) as con:
        ids = sorted(r[0] for r in con.execute("SELECT article_id FROM articles").fetchall())
    ix = index.open_index()
    import tantivy

    searcher = ix.searcher()
    assert searcher.num_docs == len(ids)
    found = sorted(searcher.doc(a)["article_id"][0] for _, a in searcher.search(tantivy.Query.all_query(), 1000).hits)
    assert found == ids
    assert [p.name for p in index.dir.iterdir() if p.is_dir()] == [index.current().name]


def test_help_lists_search_and_its_options(capsys):
    with pytest.raises(SystemExit):
        cli.main(["search", "--help"])
    out = capsys.readouterr().out
    for option in ("--theme", "--since", "--until", "--lang", "--limit", "--db", "--format", "--reindex"):
        assert option in out


def test_extraction_workers_never_load_the_index_writer():
    """Issue 17: the index's writer lives in the flow's own process only. An extraction worker
    starts from the modules its fork server preloads; none of them brings tantivy or the index."""
    from flows import work

    code = ("import sys; " + "; ".join(f"import {m}" for m in work.PRELOAD)
            + "; print(sorted(m for m in ('tantivy', 'opencc', 'warehouse.search', 'flows.search_sync') "
              "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_a_sync_reads_the_changed_articles_where_they_are_stored(tmp_path, monkeypatch):
    """A run's sync wants its latest articles: they are read by where they are stored, so the
    read holds their text, not every stored text (it did, and so grew with the warehouse: +86 MB
    a sync at 40,000 articles); scattered ones, many ones, moved or missing ones are read right."""
    from warehouse.search_rows import SLICE, SliceReader

    n = 8 * SLICE
    wh = many_articles(tmp_path / "many.duckdb", n)
    _, stored = wh.operations.query("SELECT article_id FROM articles ORDER BY rowid")
    ids = [row[0] for row in stored]  # in storage order: the last ones are those a run just loaded

    def read(wanted):
        reader = SliceReader(wh)
        try:
            rows = [row for page in reader.listed(wanted) for row in page]
            held = held_bytes(reader._connection())
        finally:
            reader.close()
        return rows, held

    every, held_all = read(ids)
    assert sorted(r["article_id"] for r in every) == sorted(ids) and len(ids) == n  # all, once each
    assert all(r["text"] and r["stamp"] and r["url"] == "https://x.example/" + r["title"][6:] for r in every)
    latest, held_latest = read(ids[-400:])
    assert sorted(r["article_id"] for r in latest) == sorted(ids[-400:])
    assert held_latest < held_all / 3, (held_latest, held_all)  # their text (and the ids), not every text
    scattered = ids[::397] + ["no-such-article"]
    got, _ = read(scattered)
    assert sorted(r["article_id"] for r in got) == sorted(ids[::397])
    texts = {r["article_id"]: r["text"] for r in every}
    assert all(r["text"] == texts[r["article_id"]] for r in got + latest)
    # many scattered (site cleaning's changes to an outlet's old pages): one read by id, which
    # scans every stored text: DuckDB keeps no more of it than the bound (staging.cache_bounded)
    from warehouse import staging

    monkeypatch.setattr(staging, "SCAN_HEADROOM_MB", 24)  # a scan's working set here is 16-24 MB
    spread, held_spread = read(ids[::16])
    assert sorted(r["article_id"] for r in spread) == sorted(ids[::16])
    assert all(r["text"] == texts[r["article_id"]] for r in spread)
    monkeypatch.setattr(staging, "SCAN_HEADROOM_MB", 10**6)  # no bound to speak of: all it read is kept
    _, held_scan = read(ids[::16])
    assert held_spread < 0.8 * held_scan, (held_spread, held_scan)  # 11.5 against 18.4 MB here
    # an article moved after its place was read (a checkpoint): read by its id, once
    from warehouse import search_rows

    monkeypatch.setattr(search_rows, "_ROWIDS_OF", search_rows._ROWIDS_OF.replace(
        "SELECT a.rowid,", f"SELECT (a.rowid + 7) % {n} AS rowid,").replace("ORDER BY a.rowid", "ORDER BY 1"))
    moved, _ = read(ids[-400:] + ids[:3])  # every rowid wrong: the last 7 wrap round to the start
    assert sorted(r["article_id"] for r in moved) == sorted(ids[-400:] + ids[:3])

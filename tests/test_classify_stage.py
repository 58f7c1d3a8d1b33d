"""The classification stage on the warehouse: relevance, themes, entities and clusters of the
bundled demo outlets, reclassify replacing rows, clusters persisting across runs."""

from __future__ import annotations

import tomllib

import pytest

from extractors.taxonomy import load_taxonomy, parse_taxonomy
from flows import refine
from flows.demo.server import LoopbackSites, bundled_sites, bundled_sites_dir
from flows.settings import default_taxonomy_path
from tests.pages import ingest_with_stages
from warehouse.db import Warehouse
from warehouse.records import ArticleBands, ArticleRow, ClassRow, SignatureRow
from warehouse.staging import held_bytes


@pytest.fixture(scope="module")
def classified(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cls")
    sites = bundled_sites()
    with LoopbackSites(sites):
        wh = Warehouse(tmp / "w.duckdb")
        wh.migrate()
        ingest_with_stages(wh, sites, tmp / "sources.toml")
        counts = refine.classify_pending(wh, load_taxonomy(default_taxonomy_path()))
        yield wh, {name: s.base for name, s in sites.items()}, counts


def manifest():
    return tomllib.loads((bundled_sites_dir() / "MANIFEST.toml").read_text())["articles"]


def test_relevance_flags_off_topic_articles_without_dropping_them(classified):
    wh, bases, counts = classified
    assert counts["articles_classified"] == 19
    _, rows = wh.operations.query("select canonical_url, is_relevant, relevance from articles")
    got = {u: (rel, score) for u, rel, score in rows}
    for art in manifest():
        rel, score = got[f"{bases[art['outlet']]}/{art['path']}"]
        assert rel == art["on_topic"], art["path"]
        assert 0.0 <= score <= 1.0


def test_relevant_articles_have_themes_with_evidence_and_entities_beyond_countries(classified):
    wh, _, _ = classified
    _, rows = wh.operations.query(
        "select a.article_id, count(distinct t.theme), min(length(t.evidence)), "
        "count(distinct e.entity) filter (where e.kind <> 'country') "
        "from articles a left join article_themes t using (article_id) left join article_entities e using (article_id) "
        "where a.is_relevant group by 1")
    assert rows
    for aid, n_themes, min_evidence, non_country in rows:
        assert n_themes >= 1 and min_evidence > 10 and non_country >= 1, aid
    _, scores = wh.operations.query("select min(score), max(score), count(*), count(distinct (article_id, theme)) from article_themes")
    lo, hi, n, distinct = scores[0]
    assert 0 < lo <= hi <= 1 and n == distinct


def test_syndicated_copy_shares_its_originals_cluster(classified):
    wh, bases, _ = classified
    copy = next(a for a in manifest() if a["syndicated_from"])
    outlet, path = copy["syndicated_from"].split("/", 1)
    _, rows = wh.operations.query("select canonical_url, article_id, cluster_id from articles")
    by_url = {u: (aid, cid) for u, aid, cid in rows}
    original = by_url[f"{bases[outlet]}/{path}"]
    duplicate = by_url[f"{bases[copy['outlet']]}/{copy['path']}"]
    assert duplicate[0] != original[0]  # its own article
    assert duplicate[1] == original[1] == original[0]  # in the original's cluster, named after it
    _, singles = wh.operations.query("select count(*) from articles where cluster_id = article_id")
    assert singles[0][0] == 18  # every other story is a story of one


def test_reclassify_replaces_rows_and_follows_the_taxonomy(classified, tmp_path):
    wh, _, _ = classified
    _, before = wh.operations.query("select count(*) from article_themes")
    refine.classify_pending(wh, load_taxonomy(default_taxonomy_path()), force=True)
    _, after = wh.operations.query("select count(*), count(distinct (article_id, theme)) from article_themes")
    assert after[0][0] == before[0][0] == after[0][1]
    # a user removes a theme from the taxonomy file: reclassify removes it everywhere
    text = default_taxonomy_path().read_text()
    tax = parse_taxonomy(text, "t.toml")
    dropped = "geopolitics"
    assert dropped in {t.id for t in tax.themes}
    edited = _drop_theme(text, dropped)
    refine.classify_pending(wh, parse_taxonomy(edited, "edited.toml"), force=False)
    _, rows = wh.operations.query(f"select count(*) from article_themes where theme = '{dropped}'")
    assert rows == [(0,)]
    _, versions = wh.operations.query("select count(distinct classifier_version) from article_themes")
    assert versions == [(1,)]


def _drop_theme(text: str, theme_id: str) -> str:
    """Remove one [[themes]] table from the TOML text."""
    blocks = text.split("[[themes]]")
    kept = [blocks[0]] + [b for b in blocks[1:] if f'id = "{theme_id}"' not in b]
    return "[[themes]]".join(kept)


def test_clusters_persist_across_runs_and_follow_the_earliest_copy(tmp_path):
    """A copy arriving later joins the stored cluster; an earlier-published copy arriving late
    renames the whole cluster after itself; a different story stays alone."""
    from datetime import datetime, timedelta, timezone

    from extractors.dedup import band_keys, signature

    wh = Warehouse(tmp_path / "c.duckdb")
    wh.migrate()
    story = ("The Commerce Department said on Tuesday it would require licences for exports of Nvidia's H20 "
             "accelerators to China, a rule the company said would cost it about five billion dollars in sales "
             "this year. Officials said the change closes a loophole that let Chinese cloud providers buy "
             "restricted processors through distributors in Singapore and Malaysia. ") * 2
    other = ("Huawei began shipping its Ascend 910C accelerator to large Chinese cloud providers this month, "
             "according to three people familiar with the deliveries, as SMIC ramps its seven nanometre "
             "process in Shanghai despite shortages of lithography tools from the Netherlands. ") * 2
    day = datetime(2025, 7, 10, tzinfo=timezone.utc)

    def add(aid, text, when):
        sig = signature(text)
        wh.classification.save(
            [ClassRow(article_id=aid, relevance=1.0, is_relevant=True, primary_theme=None, classifier_version="t")],
            [], [], [SignatureRow(article_id=aid, scheme="s", signature=list(sig), story_date=when)],
            [ArticleBands(aid, tuple(k for _, k in band_keys(sig)))])

    for aid, text, when in (("a", story, day), ("c", story.replace("Tuesday", "Wednesday"), day + timedelta(days=1)),
                            ("x", other, day)):
        wh.frontier.add([{"url": f"http://s/{aid}", "link": f"http://s/{aid}", "origin": "page"}])
        wh.articles.save([ArticleRow(**{"article_id": aid, "url": f"http://s/{aid}", "canonical_url": f"http://s/{aid}",
                           "final_url": f"http://s/{aid}", "frontier_url": f"http://s/{aid}", "text": text,
                           "title": aid, "published_at": when, "fetched_at": when})], [])
        add(aid, text, when)
    # clustering reads signatures as numpy arrays (not lists of Python ints): the same values
    pending = {r["article_id"]: r["signature"] for r in wh.clusters.pending(10)}
    assert {aid: list(map(int, sig)) for aid, sig in pending.items()} == {
        aid: list(signature(text)) for aid, text, _ in (("a", story, 0), ("c", story.replace("Tuesday", "Wednesday"), 0),
                                                         ("x", other, 0))}
    assert band_keys(pending["a"]) == band_keys(list(signature(story)))
    refine.cluster_pending(wh)
    clusters = dict(wh.operations.query("select article_id, cluster_id from articles")[1])
    assert clusters == {"a": "a", "c": "a", "x": "x"}
    # the stored index holds each article's (band, key) pairs as band_keys gives them
    stored = wh.operations.query("select band, key from article_bands where article_id = 'a' order by band")[1]
    assert [tuple(r) for r in stored] == band_keys(signature(story)) and len(stored) == 128
    # next week: an earlier-published copy (a wire original) arrives
    wh.frontier.add([{"url": "http://s/b", "link": "http://s/b", "origin": "page"}])
    wire = story.replace("on Tuesday", "on Tuesday, according to a statement,")
    wh.articles.save([ArticleRow(**{"article_id": "b", "url": "http://s/b", "canonical_url": "http://s/b", "final_url": "http://s/b",
                       "frontier_url": "http://s/b", "text": wire, "title": "b", "published_at": day - timedelta(hours=3),
                       "fetched_at": day + timedelta(days=7)})], [])
    add("b", wire, day - timedelta(hours=3))
    refine.cluster_pending(wh)
    clusters = dict(wh.operations.query("select article_id, cluster_id from articles")[1])
    assert clusters == {"a": "b", "b": "b", "c": "b", "x": "x"}


def test_an_article_scored_by_terms_is_not_classified_again_every_run(tmp_path):
    """An article in a language the model has not seen is scored by the taxonomy's terms and
    its version says so ("+terms"); the next run counts it as current."""
    from datetime import datetime, timezone

    from extractors.classify import classifier_version

    wh = Warehouse(tmp_path / "w.duckdb")
    wh.migrate()
    when = datetime(2025, 9, 1, tzinfo=timezone.utc)
    text = ("Нидерланды ограничили экспорт литографических машин ASML в Китай. " * 6).strip()
    wh.frontier.add([{"url": "http://s/ru", "link": "http://s/ru", "origin": "page"}])
    wh.articles.save([ArticleRow(**{"article_id": "ru", "url": "http://s/ru", "canonical_url": "http://s/ru", "final_url": "http://s/ru",
                       "frontier_url": "http://s/ru", "text": text, "title": "ASML", "language": "ru",
                       "published_at": when, "fetched_at": when})], [])
    taxonomy = load_taxonomy(default_taxonomy_path())
    assert refine.classify_pending(wh, taxonomy)["articles_classified"] == 1
    assert wh.operations.query("select classifier_version from articles")[1] == [(classifier_version(taxonomy) + "+terms",)]
    assert refine.classify_pending(wh, taxonomy)["articles_classified"] == 0


def test_an_article_site_cleaning_changes_is_classified_once(tmp_path, monkeypatch):
    """Site cleaning classifies the articles it changes, in hand, and stores that with their new
    text: the classify stage does not find them again, and the run counts each article once."""
    from collections import Counter
    from dataclasses import replace

    from flows import pipeline
    from tests.pages import pipeline_run

    sites = bundled_sites()
    with LoopbackSites(sites):
        wh = Warehouse(tmp_path / "w.duckdb")
        wh.migrate()
        ingest_with_stages(wh, sites, tmp_path / "sources.toml")
    taxonomy = load_taxonomy(default_taxonomy_path())
    refine.classify_pending(wh, taxonomy)  # every article classified, as a run leaves them
    with wh.transaction() as con:  # the texts as they were before site cleaning
        con.execute("UPDATE articles SET text = extracted_text")
    calls: Counter = Counter()
    real = refine.classify_row
    monkeypatch.setattr(refine, "classify_row", lambda aid, *rest: calls.update([aid]) or real(aid, *rest))
    run = pipeline_run(wh)
    run.settings = replace(run.settings, taxonomy_path=default_taxonomy_path())
    pipeline.clean_stage(run, set(wh.articles.all_sites()), lambda n: None)
    recleaned = run.counts["articles_recleaned"]
    assert recleaned > 0 and len(calls) == recleaned and set(calls.values()) == {1}
    assert refine.classify_pending(wh, taxonomy)["articles_classified"] == 0  # not found again
    assert set(calls.values()) == {1}
    assert run.counts["articles_classified"] == recleaned == len(run.classified)
    stale = wh.operations.query("select count(*) from articles where classified_at < updated_at")[1]
    assert stale == [(0,)]


def test_the_extraction_pool_classifies_cleaned_texts_as_the_flow_does(classified):
    """What site cleaning changes is classified on the extraction pool's workers (they hold the
    taxonomy and the model): the same rows as classifying in the flow's process; a pool that is
    not running, or a handful of texts, is left to the caller."""
    from flows.work import Extractor, classify_row
    from warehouse.records import CleanedText

    wh, _, _ = classified
    _, rows = wh.operations.query("select article_id, title, text, language, published_at from articles order by 1")
    texts = [CleanedText(aid, text + "\n" + "Postscript.", len(text.split()), "clean-test", title=title,
                         language=lang, story_date=when) for aid, title, text, lang, when in rows]
    assert len(texts) >= 16
    path = str(default_taxonomy_path())
    taxonomy = load_taxonomy(default_taxonomy_path())
    here = [classify_row(t.article_id, t.title, t.text, t.language, t.story_date, taxonomy) for t in texts]
    pool = Extractor(workers=2, taxonomy_path=path)
    assert pool.classify(texts) is None  # not started
    pool.start()
    try:
        assert pool.classify(texts[:5]) is None  # too few to be worth the round trip
        assert pool.classify(texts) == here
    finally:
        pool.close()
    assert sum(c.row.is_relevant for c in here) >= 5


def test_signature_column_reads_as_numpy_with_nulls_and_empties():
    import numpy as np
    import pyarrow as pa

    from warehouse.clusters import signatures

    column = pa.chunked_array([pa.array([[1, 2, 3], None], pa.list_(pa.uint32())), pa.array([[], [4294967295]], pa.list_(pa.uint32()))])
    got = signatures(column)
    assert [None if g is None else g.tolist() for g in got] == [[1, 2, 3], None, [], [4294967295]]
    assert all(isinstance(g, np.ndarray) for g in got if g is not None)


def test_the_look_for_due_articles_reads_their_texts_only_and_pages_right(tmp_path, monkeypatch):
    """The classify stage's look for due articles finds them from the narrow columns and reads
    only their texts: with none due it holds next to nothing (it read every stored text: 135 MB
    at 40,000 articles); due articles come in pages by id, each once, with their own text, also
    when a row moved after its key was read."""
    from tests.pages import many_articles
    from warehouse import classification

    n = 6000
    wh = many_articles(tmp_path / "many.duckdb", n, classifier_version="v1")
    _, stored = wh.operations.query("SELECT article_id, text FROM articles ORDER BY rowid")
    texts = dict(stored)
    due = sorted([aid for aid, _ in stored[::250]] + [aid for aid, _ in stored[-30:]])
    with wh.transaction() as con:  # some scattered, the latest few: changed since classified
        con.execute("UPDATE articles SET updated_at = now() WHERE list_contains($ids, article_id)", {"ids": due})

    def look(**kwargs):
        with wh.connect() as hold:  # the instance stays open: what the look left in it is seen
            rows = wh.classification.pending("v1", **kwargs)
            held = held_bytes(hold)
        return rows, held

    def pages(**kwargs):
        got, after = [], ""
        while rows := look(limit=7, after=after, **kwargs)[0]:
            got += rows
            after = rows[-1]["article_id"]
        return got

    got = pages()
    assert [r["article_id"] for r in got] == due  # by id, each once
    assert all(r["text"] == texts[r["article_id"]] and r["language"] == "en" for r in got)
    assert [r["article_id"] for r in pages(ids=due[:3] + [stored[1][0]])] == due[:3]
    with wh.transaction() as con:
        con.execute("UPDATE articles SET classified_at = now() + INTERVAL 1 MINUTE")
    none, held_none = look(limit=500)
    _, held_all = look(limit=n, force=True)
    assert none == [] and held_none < held_all / 4, (held_none, held_all)
    # keys whose rowids are wrong (a checkpoint moved the rows): read by id, in id order
    real = classification._PENDING_KEYS
    monkeypatch.setattr(classification, "_PENDING_KEYS", real.replace("SELECT rowid,", f"SELECT (rowid + 11) % {n},"))
    moved, _ = look(limit=40, force=True)
    assert [r["article_id"] for r in moved] == sorted(texts)[:40]
    assert all(r["text"] == texts[r["article_id"]] for r in moved)


def test_the_search_for_candidate_copies_holds_the_same_memory_however_many_are_stored(tmp_path, monkeypatch):
    """Clustering's candidate search joins the new articles' band keys with every stored one: a
    scan of a table that grows with the warehouse. What DuckDB keeps of that scan is bounded
    (it kept all of it: +75 MB a run at 31,000 stored articles); the candidates are the same,
    also when the bound would fail the query (it runs again unbounded) and the instance's limit
    is back to what it was after."""
    from tests.pages import many_articles
    from warehouse import staging

    n, latest = 30000, 400
    wh = many_articles(tmp_path / "many.duckdb", n, words=5)  # 3,840,000 band keys: ~45 MB stored
    with wh.transaction() as con:  # the latest articles share every band key with one older article each
        con.execute("""INSERT INTO article_signatures SELECT article_id, 'test', [rowid::UINTEGER], NULL
                       FROM articles""")
        con.execute("""INSERT INTO article_bands SELECT b, hash(a.rowid % ($n - $latest), b), a.article_id
                       FROM articles a, range(128) t(b)""", {"n": n, "latest": latest})
        con.execute("UPDATE articles SET cluster_id = article_id WHERE rowid < $old", {"old": n - latest})
    wh.checkpoint()  # stored in the file's blocks, as a warehouse is after its first run
    wh.release()
    _, stored = wh.operations.query("SELECT article_id FROM articles ORDER BY rowid")
    ids = [row[0] for row in stored]
    expected = sorted(ids[:latest])  # rowid i and i + (n - latest) share keys
    with wh.connect() as con:  # the latest articles' keys, in band order
        keys = con.execute("SELECT article_id, list(key ORDER BY band) FROM article_bands WHERE "
                           "list_contains($ids, article_id) GROUP BY article_id", {"ids": ids[-latest:]}).fetchall()
    new = [ArticleBands(aid, tuple(k)) for aid, k in keys]
    assert len(new) == latest and all(len(b.keys) == 128 for b in new)

    def search():
        with wh.connect() as hold:  # the instance stays open: what the search left in it is seen
            found = sorted(c[0] for c in wh.clusters.candidate_copies(new))
            held = held_bytes(hold)
            limit = hold.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]
        wh.release()
        return found, held, limit

    default = wh.operations.query("SELECT current_setting('memory_limit')")[1][0][0]
    monkeypatch.setattr(staging, "SCAN_HEADROOM_MB", 24)
    found, held_bounded, limit = search()
    assert found == expected and limit == default
    monkeypatch.setattr(staging, "SCAN_HEADROOM_MB", 10**6)  # no bound to speak of: the scan is kept
    found, held_unbounded, _ = search()
    assert found == expected
    assert held_bounded < held_unbounded / 2, (held_bounded, held_unbounded)
    # a bound the query cannot live with: the same candidates, unbounded, and the limit restored
    monkeypatch.setattr(staging, "_scan_limit_mb", lambda used: 1)
    found, _, limit = search()
    assert found == expected and limit == default

"""`backfill --dir` and `reextract` under Prefect's harness, on real files and DuckDB."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from flows.settings import build_settings
from tests.conftest import SEEDS
from tests.pages import article_html, rows

pytestmark = pytest.mark.prefect

T0 = datetime(2025, 9, 2, 6, 30, tzinfo=timezone.utc)


_q = rows  # read-only look into the warehouse file


@pytest.fixture
def saved(tmp_path):
    root = tmp_path / "saved"
    (root / "2025" / "09").mkdir(parents=True)
    (root / "2025" / "09" / "with-canonical.html").write_text(
        article_html("Saved page that names its address", T0, n=1, canonical="https://news.example.com/a/1"))
    (root / "2025" / "plain.htm").write_text(article_html("Saved page without canonical", T0, n=2))
    (root / "notes.txt").write_text(
        "Chip smugglers charged in Singapore\n\n"
        + "\n\n".join(["Prosecutors in Singapore charged three men with fraud over servers that may have held "
                       f"restricted Nvidia chips bound for China, paragraph {i} of the report." for i in range(6)]))
    (root / "stub.txt").write_text("too short\n")
    (root / "image.png").write_bytes(b"\x89PNG not an article")
    return root


def test_backfill_dir_is_idempotent_and_reextract_replaces_rows(prefect_harness, tmp_path, saved):
    from flows.backfill import backfill_dir_flow, reextract_flow

    db = tmp_path / "w.duckdb"
    settings = build_settings(db=str(db), progress=False, workers=1)
    first = backfill_dir_flow(settings, str(saved))
    assert first["files_seen"] == 4 and first["files_stored"] == 4
    rows = {r[0]: r for r in _q(db, "select url, title, published_at, text, canonical_url from articles")}
    assert set(rows) == {
        "https://news.example.com/a/1",
        (saved / "2025" / "plain.htm").resolve().as_uri(),
        (saved / "notes.txt").resolve().as_uri(),
    }
    assert rows["https://news.example.com/a/1"][1] == "Saved page that names its address"
    assert rows["https://news.example.com/a/1"][2] == T0
    txt = rows[(saved / "notes.txt").resolve().as_uri()]
    assert txt[1] == "Chip smugglers charged in Singapore" and not txt[3].startswith("Chip smugglers")
    assert _q(db, "select stage from failures") == [("extract",)]  # the stub

    again = backfill_dir_flow(settings, str(saved))
    assert again["files_stored"] == 0 and again.get("articles_new", 0) == 0
    assert _q(db, "select count(*) from articles") == [(3,)]

    before = _q(db, "select article_id, text from articles order by 1")
    redo = reextract_flow(settings)
    assert redo["pages_requeued"] == 4 and "pages_queued" not in redo and redo.get("articles_new", 0) == 0 and redo["articles_updated"] == 3
    assert _q(db, "select article_id, text from articles order by 1") == before
    assert _q(db, "select flow from runs order by started_at") == [("backfill",), ("backfill",), ("reextract",)]


def test_backfill_of_the_seeds_cleans_every_seed(prefect_harness, tmp_path):
    from flows.backfill import backfill_dir_flow
    from extractors.sitelearn import normalize_line

    raw = SEEDS / "raw"
    if not raw.is_dir():
        pytest.skip("../shared/seeds is not here")
    db = tmp_path / "seeds.duckdb"
    counts = backfill_dir_flow(build_settings(db=str(db), progress=False, workers=1), str(raw))
    assert counts["articles_new"] == 5
    texts = {url.rsplit("/", 1)[-1]: text for url, text in _q(db, "select url, text from articles")}
    for name, text in texts.items():
        clean = [normalize_line(x) for x in (SEEDS / "clean" / name).read_text().splitlines() if x.strip()]
        got = [normalize_line(x) for x in text.splitlines() if x.strip()]
        extra = [x for x in got if x not in clean]
        assert not extra, (name, extra[:3])  # no furniture line left
        missing = [x for x in clean if x not in got]
        assert len(missing) <= 1, (name, missing[:2])


def test_backfill_dir_takes_source_title_and_date_from_the_page(prefect_harness, tmp_path):
    """Saved files get their outlet from --source (or what the page declares), their title and
    date from the page with the date's source kept; two files of one article (same canonical
    URL) are one stored and one copy, and no body of the copy is left in the body store."""
    from flows.backfill import backfill_dir_flow

    root = tmp_path / "saved"
    root.mkdir()
    page = article_html("Export licences for H20 shipments resume", T0, n=7, canonical="https://wire.example/a/7")
    (root / "a.html").write_text(page)
    (root / "a-copy.html").write_text(page.replace("</article>", "<p>Saved again later.</p></article>"))
    (root / "b.html").write_text(article_html("A second saved story on chip rules", T0, n=8))
    db = tmp_path / "w.duckdb"
    settings = build_settings(db=str(db), progress=False, workers=1)
    done = backfill_dir_flow(settings, str(root), "Wire Weekly")
    assert done["files_seen"] == 3 and done["files_stored"] == 2 and done["files_duplicate"] == 1
    got = _q(db, "select source, title, published_at, published_at_source from articles order by title")
    assert got == [("Wire Weekly", "A second saved story on chip rules", T0, "meta"),
                   ("Wire Weekly", "Export licences for H20 shipments resume", T0, "meta")]
    stored = {p.name.removesuffix(".zz") for p in (tmp_path / "w.duckdb.bodies").rglob("*.zz")}
    assert stored == {r[0] for r in _q(db, "select sha256 from raw_pages")}  # no orphaned body

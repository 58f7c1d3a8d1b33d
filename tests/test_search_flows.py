"""The search index follows the real flows (Prefect test harness): backfill loads new articles,
reextract replaces their text, reclassify their themes; each run leaves the index beside the
warehouse up to date, searched here without catching up (``--no-refresh``), so what is found is
what the flows wrote."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from flows import cli
from flows.settings import build_settings
from warehouse.search import SearchIndex

pytestmark = pytest.mark.prefect

REPO = Path(__file__).resolve().parents[1]


def _page(title: str, paragraphs: list[str], lang: str = "en", when: str = "2025-06-02T09:00:00+00:00") -> str:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title>'
            f'<meta property="og:title" content="{title}"><meta property="article:published_time" content="{when}">'
            f"</head><body><article><h1>{title}</h1>{body}</article></body></html>")


EN = [
    "Customs officers in the port of Wallabyquest said on Monday they had found crates of graphics processors "
    "declared as numbatline toys, bound for a buyer in mainland China.",
    "The processors fall under US export controls on advanced computing chips, and the shipment had no licence, "
    "officials said, adding that two people had been questioned.",
    "Traders said such seizures had become more frequent as demand for restricted Nvidia hardware kept rising.",
]
ZH = ["海关在港口查获一批申报为玩具的图形处理器，这批芯片原定运往内地买家。",
      "官员表示，这批处理器属于美国出口管制范围内的先进计算芯片，货主没有取得许可证。"]


def _search(capsys, db: Path, *args: str) -> list[dict]:
    assert cli.main(["search", *args, "--db", str(db), "--format", "json", "--no-refresh"]) == 0, capsys.readouterr().err
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def _marker_taxonomy(tmp_path: Path) -> Path:
    text = (REPO / "deploy" / "taxonomy.toml").read_text(encoding="utf-8")
    text += ('\n[[themes]]\nid = "search_test_marker"\nlabel = "Marker"\n'
             'description = "A theme of this test only."\n\n[themes.terms.any]\n'
             '"Wallabyquest" = 5\n"numbatline" = 5\n')
    path = tmp_path / "taxonomy.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_backfill_reextract_and_reclassify_keep_the_index_up_to_date(prefect_harness, tmp_path, capsys):
    from flows.backfill import backfill_dir_flow, reclassify_flow, reextract_flow

    saved = tmp_path / "saved"
    saved.mkdir()
    (saved / "seizure.html").write_text(_page("Port customs find chips declared as toys", EN), encoding="utf-8")
    db = tmp_path / "w.duckdb"
    settings = build_settings(db=str(db), progress=False, workers=1)

    # new articles: the first run builds the index, and the article is found
    first = backfill_dir_flow(settings, str(saved))
    assert first["search_indexed"] >= 1
    hits = _search(capsys, db, "wallabyquest")
    assert len(hits) == 1 and hits[0]["title"] == "Port customs find chips declared as toys"
    # a second run adds a Chinese article; the index follows it
    (saved / "haiguan.html").write_text(_page("海关查获申报为玩具的芯片", ZH, lang="zh"), encoding="utf-8")
    backfill_dir_flow(settings, str(saved))
    assert _search(capsys, db, "图形处理器")[0]["language"] == "zh"

    # updated articles: text an older extractor left is replaced by reextract; the index follows
    with duckdb.connect(str(db)) as con:
        con.execute("UPDATE articles SET text = 'An outdated extraction about kookaburrafield.', "
                    "updated_at = now() WHERE text LIKE '%Wallabyquest%'")
    SearchIndex(db).sync(__import__("warehouse.db", fromlist=["Warehouse"]).Warehouse(db))
    assert len(_search(capsys, db, "kookaburrafield")) == 1 and _search(capsys, db, "traders seizures") == []
    reextract_flow(settings)
    assert _search(capsys, db, "kookaburrafield") == []
    assert _search(capsys, db, "traders seizures")[0]["title"] == "Port customs find chips declared as toys"

    # reclassified articles: a taxonomy with a new theme; the hits' themes and --theme follow
    assert "search_test_marker" not in _search(capsys, db, "wallabyquest")[0]["themes"]
    marked = build_settings(db=str(db), taxonomy=str(_marker_taxonomy(tmp_path)), progress=False, workers=1)
    reclassify_flow(marked)
    hits = _search(capsys, db, "numbatline", "--theme", "search_test_marker", "--taxonomy", str(marked.taxonomy_path))
    assert len(hits) == 1 and "search_test_marker" in hits[0]["themes"]

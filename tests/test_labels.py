"""Analysts correct the classifier: `chipwire label` stores corrections that win over the
classifier and survive `reclassify`; `chipwire review` lists the least sure articles first;
`chipwire train` learns from the labels and the next `reclassify` classifies with its model."""

from __future__ import annotations

import importlib.util
import re
import shlex
from datetime import datetime, timezone
from pathlib import Path

import pytest

from extractors.classify import classifier_version, classify
from extractors.corpus import parse_devset_article
from extractors.model import Model, load_default_model
from extractors.taxonomy import load_taxonomy
from flows import refine
from flows.cli import main
from flows.settings import build_settings
from warehouse.db import Warehouse
from warehouse.records import ArticleRow

REPO = Path(__file__).resolve().parents[1]
NOW = datetime(2025, 6, 1, tzinfo=timezone.utc)
ARTICLES = ("h002", "h004", "h008", "h009", "h012", "h014")


def store(db: Path) -> Warehouse:
    """A warehouse holding six dev-set articles (ids prefixed "art-"), classified."""
    wh = Warehouse(db)
    wh.migrate()
    docs = {d.id: d for d in (parse_devset_article(f.read_text(encoding="utf-8"), f.name)
                              for f in sorted((REPO / "tests" / "devset" / "articles").glob("*.txt")))}
    arts = []
    for d in (docs[name] for name in ARTICLES):
        url = f"http://news.example/{d.id}"
        wh.frontier.add([{"url": url, "link": url, "origin": "feed", "feed_url": "http://f/feed", "trusted_origin": None}])
        arts.append(ArticleRow(article_id=f"art-{d.id}", url=url, canonical_url=url, final_url=url, frontier_url=url,
                               title=d.title, text=d.text, fetched_at=NOW, source="example", language=d.lang))
    wh.articles.save(arts, [])
    refine.classify_pending(wh, load_taxonomy())
    return wh


@pytest.fixture()
def wh(tmp_path) -> Warehouse:
    return store(tmp_path / "w.duckdb")


def q(wh: Warehouse, sql: str) -> list[tuple]:
    return wh.operations.query(sql)[1]


def listed_ids(out: str) -> list[str]:
    """The article ids `chipwire review` lists ("  1. ID  uncertainty ..."), in order."""
    return [m.group(1) for m in re.finditer(r"(?m)^\s*\d+\. (\S+)  uncertainty", out)]


def themes(wh: Warehouse, aid: str) -> list[tuple]:
    """(theme, source) of an article, highest score first."""
    return [tuple(r) for r in q(wh, f"select theme, source from article_themes where article_id = '{aid}' "
                                    "order by score desc, theme")]


def test_classification_marks_where_each_theme_came_from(wh):
    assert {r[0] for r in q(wh, "select distinct source from article_themes")} == {"model"}
    assert q(wh, "select count(*) from article_themes where probability is null") == [(0,)]
    assert q(wh, "select count(*) from articles where uncertainty is null") == [(0,)]


def test_a_label_applies_at_once_and_survives_reclassify(wh, capsys):
    aid = "art-h002"  # a smuggling story: the model gives smuggling_enforcement alone
    assert themes(wh, aid)[0] == ("smuggling_enforcement", "model")
    code = main(["label", aid, "--db", str(wh.path), "--primary", "export_controls", "--theme", "offshore_compute",
                 "--not-theme", "smuggling_enforcement", "--note", "about the rule", "--by", "ana"])
    assert code == 0
    assert "export_controls (analyst)" in capsys.readouterr().out
    expected = [("export_controls", "analyst"), ("offshore_compute", "analyst")]
    assert themes(wh, aid) == expected
    assert q(wh, f"select primary_theme, is_relevant from articles where article_id = '{aid}'") == [("export_controls", True)]
    assert main(["label", "art-h004", "--db", str(wh.path), "--irrelevant"]) == 0
    for _ in range(2):  # reclassify (the classify stage's force=True) twice: the labels hold
        refine.classify_pending(wh, load_taxonomy(), force=True)
        assert themes(wh, aid) == expected
        assert q(wh, f"select primary_theme from articles where article_id = '{aid}'") == [("export_controls",)]
        assert q(wh, "select is_relevant, primary_theme from articles where article_id = 'art-h004'") == [(False, None)]
        assert themes(wh, "art-h004") == []
    evidence = q(wh, f"select evidence from article_themes where article_id = '{aid}' and theme = 'offshore_compute'")
    assert evidence == [("labelled by ana: about the rule",)]
    # the latest label of a theme wins
    assert main(["label", aid, "--db", str(wh.path), "--not-theme", "offshore_compute"]) == 0
    refine.classify_pending(wh, load_taxonomy(), force=True)
    assert themes(wh, aid) == [("export_controls", "analyst")]
    assert q(wh, "select article_id, relevant, themes, not_themes, primary_theme from label_effective order by 1") == [
        (aid, True, ["export_controls"], ["offshore_compute", "smuggling_enforcement"], "export_controls"),
        ("art-h004", False, [], [], None)]


def test_a_withdrawn_label_gives_the_verdict_back_to_the_classifier(wh, capsys):
    aid = "art-h002"  # the model: smuggling_enforcement alone
    model_themes = themes(wh, aid)
    assert main(["label", aid, "--db", str(wh.path), "--primary", "export_controls",
                 "--not-theme", "smuggling_enforcement"]) == 0
    assert themes(wh, aid) == [("export_controls", "analyst")]
    # one theme taken back: the classifier decides it again at once; the other label stands
    assert main(["label", aid, "--db", str(wh.path), "--withdraw", "smuggling_enforcement"]) == 0
    assert "1 classified again" in capsys.readouterr().out
    got = themes(wh, aid)
    assert got[0] == ("export_controls", "analyst") and ("smuggling_enforcement", "model") in got
    # an irrelevant verdict, then taken back with everything else: the model's classification, as before any label
    assert main(["label", aid, "--db", str(wh.path), "--irrelevant"]) == 0
    assert themes(wh, aid) == [] and q(wh, f"select is_relevant from articles where article_id = '{aid}'") == [(False,)]
    assert main(["label", aid, "--db", str(wh.path), "--withdraw", "all"]) == 0
    assert themes(wh, aid) == model_themes
    assert q(wh, f"select is_relevant, primary_theme from articles where article_id = '{aid}'") == [
        (True, model_themes[0][0])]
    assert q(wh, f"select relevant, themes, not_themes, primary_theme from label_effective where article_id = '{aid}'") == [
        (None, [], [], None)]
    refine.classify_pending(wh, load_taxonomy(), force=True)  # and reclassify keeps it so
    assert themes(wh, aid) == model_themes
    # nothing was deleted: every label is still in the table, the withdrawals after them
    assert q(wh, f"select count(*) filter (where verdict = 'withdrawn'), count(*) from labels where article_id = '{aid}'")[0][1] >= 4


def test_a_withdrawal_stopped_before_classifying_is_finished_by_the_next_classify_stage(wh, monkeypatch, capsys):
    """`label --withdraw` stores the withdrawal, then classifies the article again: stopped
    between the two (here the classifying fails; Ctrl-C or a crash leave the same), the article
    is left due for classifying, and the next classify stage (every ingest runs it) gives it the
    classifier's verdict."""
    from flows import label_cmd
    from warehouse.errors import WarehouseError

    aid = "art-h002"
    model_themes = themes(wh, aid)
    assert main(["label", aid, "--db", str(wh.path), "--theme", "export_controls", "--primary", "export_controls"]) == 0
    assert themes(wh, aid)[0] == ("export_controls", "analyst")

    def stopped(*args, **kwargs):  # (a KeyboardInterrupt here would end pytest: main() exits soon after one)
        raise WarehouseError("stopped before classifying")

    monkeypatch.setattr(label_cmd, "_classify_withdrawn", stopped)
    assert main(["label", aid, "--db", str(wh.path), "--withdraw", "all"]) != 0
    assert "stopped before classifying" in capsys.readouterr().err
    version = q(wh, f"select classifier_version from articles where article_id = '{aid}'")[0][0]
    assert [r["article_id"] for r in wh.classification.pending(version, 10)] == [aid]  # due, and it alone
    counts = refine.classify_pending(wh, load_taxonomy())
    assert counts["articles_classified"] == 1 and themes(wh, aid) == model_themes


@pytest.mark.parametrize("argv, words", [
    (["--withdraw", "bogus"], "--withdraw 'bogus': not a theme"),
    (["--withdraw", "export_controls", "--theme", "export_controls"], "and a new verdict on it at once"),
    (["--withdraw", "relevance", "--relevant"], "and a new verdict on it at once"),
])
def test_a_bad_withdrawal_is_one_line_error_and_nothing_stored(wh, capsys, argv, words):
    assert main(["label", "art-h002", "--db", str(wh.path), *argv]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and words in err
    assert q(wh, "select count(*) from labels") == [(0,)]


def test_a_label_file_can_withdraw(wh, tmp_path):
    assert main(["label", "art-h008", "--db", str(wh.path), "--irrelevant"]) == 0
    path = tmp_path / "undo.jsonl"
    path.write_text('{"article_id": "art-h008", "withdraw": ["relevance"]}\n', encoding="utf-8")
    assert main(["label", "--file", str(path), "--db", str(wh.path)]) == 0
    assert q(wh, "select relevant from label_effective where article_id = 'art-h008'") == [(None,)]
    assert q(wh, "select is_relevant from articles where article_id = 'art-h008'") == [(True,)]


@pytest.mark.prefect
def test_the_reclassify_flow_keeps_the_labels(wh, prefect_harness):
    from flows.backfill import reclassify_flow

    assert main(["label", "art-h009", "--db", str(wh.path), "--primary", "geopolitics"]) == 0
    counts = reclassify_flow(build_settings(db=str(wh.path), progress=False))
    assert counts["articles_classified"] == len(ARTICLES)
    assert themes(wh, "art-h009")[0] == ("geopolitics", "analyst")
    assert q(wh, "select primary_theme from articles where article_id = 'art-h009'") == [("geopolitics",)]


@pytest.mark.parametrize("name, content, line", [
    ("labels.csv", "article_id,themes,not_themes,relevant\nart-h002,export_controls,,\nart-h008,bogus_theme,,\n", 3),
    ("labels.jsonl", '{"article_id": "art-h002", "themes": ["export_controls"]}\n'
                     '{"article_id": "art-nope", "relevant": false}\n', 2),
    ("labels.jsonl", '{"article_id": "art-h002", "relevant": "maybe"}\n', 1),
])
def test_a_label_file_with_a_bad_line_is_one_line_error_and_nothing_stored(wh, tmp_path, capsys, name, content, line):
    before = q(wh, "select article_id, theme, source from article_themes order by 1, 2")
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    assert main(["label", "--file", str(path), "--db", str(wh.path)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and f"{path}: line {line}:" in err
    assert "bogus_theme" in err or "art-nope" in err or "maybe" in err
    assert q(wh, "select count(*) from labels") == [(0,)]
    assert q(wh, "select article_id, theme, source from article_themes order by 1, 2") == before


def test_a_good_label_file_is_stored_whole(wh, tmp_path):
    path = tmp_path / "labels.csv"
    path.write_text("article_id,themes,not_themes,relevant,primary,note\n"
                    "art-h008,market_impact,export_controls,,,\nart-h012,,,false,,off topic\n", encoding="utf-8")
    assert main(["label", "--file", str(path), "--db", str(wh.path)]) == 0
    assert ("market_impact", "analyst") in themes(wh, "art-h008")
    assert "export_controls" not in [t for t, _ in themes(wh, "art-h008")]
    assert q(wh, "select is_relevant from articles where article_id = 'art-h012'") == [(False,)]


@pytest.mark.parametrize("argv, message", [
    (["art-missing", "--theme", "export_controls"], "no article 'art-missing'"),
    (["art-h002", "--theme", "not_a_theme"], "'not_a_theme': not a theme"),
    (["art-h002", "--theme", "geopolitics", "--not-theme", "geopolitics"], "both present and absent"),
    (["art-h002", "--irrelevant", "--theme", "geopolitics"], "off-topic article has no themes"),
    (["art-h002"], "nothing to label"),
])
def test_label_errors_are_one_line_and_store_nothing(wh, capsys, argv, message):
    assert main(["label", *argv, "--db", str(wh.path)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and message in err
    assert q(wh, "select count(*) from labels") == [(0,)]


def test_review_lists_the_least_sure_first_with_a_label_command_that_works(wh, capsys):
    assert main(["label", "art-h014", "--db", str(wh.path), "--relevant"]) == 0
    capsys.readouterr()
    assert main(["review", "--db", str(wh.path), "--limit", "3"]) == 0
    out = capsys.readouterr().out
    listed = listed_ids(out)
    expected = q(wh, "select article_id from articles where article_id <> 'art-h014' "
                     "order by uncertainty desc, article_id limit 3")
    assert listed == [r[0] for r in expected]
    commands = [line.strip() for line in out.splitlines() if line.strip().startswith("chipwire label ")]
    assert len(commands) == 3
    # the printed command is exact: it runs, and states what the classifier thinks
    argv = shlex.split(commands[0])[1:]
    before = [t for t, _ in themes(wh, listed[0])]
    assert main(argv) == 0
    assert [t for t, _ in themes(wh, listed[0])] == before
    capsys.readouterr()
    assert main(["review", "--db", str(wh.path), "--limit", "10"]) == 0
    out = capsys.readouterr().out
    assert listed[0] not in out and "art-h014" not in out  # labelled articles are not reviewed again


def test_review_by_theme(wh, capsys):
    assert main(["review", "--db", str(wh.path), "--theme", "smuggling_enforcement"]) == 0
    out = capsys.readouterr().out
    with_theme = {r[0] for r in q(wh, "select article_id from article_themes where theme = 'smuggling_enforcement'")}
    listed = set(listed_ids(out))
    assert listed == with_theme and listed
    assert main(["review", "--db", str(wh.path), "--theme", "nope"]) == 2


def test_train_says_how_to_install_scikit_learn_when_it_is_missing(wh, capsys, monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "sklearn" else real(name, *a))
    assert main(["train", "--db", str(wh.path), "--corpus", str(REPO / "tests" / "devset")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "pip install 'chipwire[train]'" in err
    assert not Path(str(wh.path) + ".model.npz").exists()


@pytest.mark.prefect
@pytest.mark.skipif(importlib.util.find_spec("sklearn") is None,
                    reason="chipwire train needs scikit-learn: pip install '.[train]'")
def test_train_then_reclassify_uses_the_labels(wh, capsys, prefect_harness):
    from flows.backfill import reclassify_flow

    aid = "art-h002"
    row = q(wh, f"select title, text, language from articles where article_id = '{aid}'")[0]
    tax = load_taxonomy()
    assert "offshore_compute" not in [t.theme for t in classify(*row, tax).themes]  # the shipped model misses it
    assert main(["label", aid, "--db", str(wh.path), "--theme", "offshore_compute"]) == 0
    assert main(["train", "--db", str(wh.path), "--corpus", str(REPO / "tests" / "devset")]) == 0
    out = capsys.readouterr().out
    model_file = Path(str(wh.path) + ".model.npz")
    assert f"wrote {model_file}" in out and "chipwire reclassify" in out
    model = Model.load(model_file)
    assert model.version != load_default_model().version and model.meta["analyst_corrections"] == 1
    learned = classify(*row, tax, model=model)
    assert "offshore_compute" in [t.theme for t in learned.themes]  # learnt from the label
    settings = build_settings(db=str(wh.path), progress=False)
    assert settings.model_path == model_file.resolve()  # the warehouse's trained model is the one runs use
    reclassify_flow(settings)
    version = classifier_version(tax, model=model)
    assert q(wh, "select count(*) from articles where classifier_version like '" + version + "%'") == [(len(ARTICLES),)]
    assert ("offshore_compute", "analyst") in themes(wh, aid)
    # CHIPWIRE_MODEL=shipped goes back to the shipped model
    assert build_settings(db=str(wh.path), environ={"CHIPWIRE_MODEL": "shipped"}).model_path is None


def test_an_unreadable_model_file_is_a_one_line_error(tmp_path):
    from extractors.errors import ExtractorError
    from flows.launch import check_model

    bad = tmp_path / "w.duckdb.model.npz"
    bad.write_bytes(b"not a model")
    settings = build_settings(db=str(tmp_path / "w.duckdb"), environ={})
    assert settings.model_path == bad.resolve()
    with pytest.raises(ExtractorError, match="cannot be read as a classifier model"):
        check_model(settings)

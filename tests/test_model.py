"""The learned classifier: the shipped model, terms where it cannot help, training and
analysts' corrections, the parsers of labelled documents, the split of the news corpus."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from extractors.classify import DEFAULT, classifier_version, classify, uncertainty
from extractors.corpus import (Correction, CorpusError, Document, correction_documents, parse_devset_article,
                               parse_news_jsonl, with_corrections)
from extractors.model import DEFAULT_MODEL, Model, load_default_model
from extractors.taxonomy import load_taxonomy, parse_taxonomy

REPO = Path(__file__).resolve().parents[1]
NEWS = REPO.parent / "shared" / "corpora" / "news-labelled" / "news.jsonl"


@pytest.fixture(scope="module")
def taxonomy():
    return load_taxonomy()


@pytest.fixture(scope="module")
def model():
    m = load_default_model()
    assert m is not None, f"the shipped model is missing: {DEFAULT_MODEL}"
    return m


# ------------------------------------------------------------------------------------------
# The shipped model


def test_shipped_model_scores_without_scikit_learn():
    code = (
        "import sys\n"
        "from extractors.classify import classify\n"
        "from extractors.taxonomy import load_taxonomy\n"
        "c = classify('US adds Chinese chip firms to Entity List', 'The Commerce Department added 12 Chinese "
        "companies to the Entity List for helping the military obtain Nvidia AI chips despite export controls.', "
        "'en', load_taxonomy())\n"
        "assert 'sklearn' not in sys.modules and 'scipy' not in sys.modules, 'scikit-learn was imported'\n"
        "print(c.method, c.is_relevant, c.primary_theme)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["model", "True", "export_controls"]


def test_shipped_model_records_its_data_and_split(model):
    meta = model.meta
    assert meta["corpus"] == "news-labelled" and meta["corpus_version"].startswith("sha256:")
    assert "news_split.json" in meta["split"]
    assert {"news-labelled", "devset", "trainset"} <= set(meta["trained_on"])
    assert {"en", "zh", "ja", "ko", "de"} <= model.languages
    sidecar = json.loads(DEFAULT_MODEL.with_suffix(".json").read_text(encoding="utf-8"))
    assert sidecar["version"] == model.version
    assert sidecar["figures"]["news"]["documents"] >= 120  # the test part's figures, beside the model


def test_model_file_round_trip(tmp_path, model):
    path = tmp_path / "m.npz"
    model.save(path)
    again = Model.load(path)
    assert again.version == model.version
    terms = np.linspace(0, 1, len(model.term_names)).astype(np.float32)
    a = model.predict("H20 licence", "Nvidia needs a licence to sell H20 chips to China.", terms)
    b = again.predict("H20 licence", "Nvidia needs a licence to sell H20 chips to China.", terms)
    assert a == b


def test_relevance_is_a_probability_with_borderline_cases(taxonomy, evalmod_devset):
    scores = [classify(a.title, a.text, a.language, taxonomy).relevance for a in evalmod_devset]
    assert all(0.0 <= s <= 1.0 for s in scores)
    # not only 0-0.01 and >= 0.86 as the rules gave: some articles sit in between
    assert any(0.05 < s < 0.95 for s in scores)


@pytest.fixture(scope="module")
def evalmod_devset():
    from tests.pages import eval_classify_module

    return eval_classify_module().load_devset()


def test_long_articles_skip_passages_only_where_nothing_reads_them(taxonomy, evalmod_devset, monkeypatch):
    """An article below both 0.5 and the relevance threshold gets no themes and the relevance's
    own doubt, so its passages are not scored: the classification is the same as with them."""
    from extractors.model import CHUNK_CHARS

    arts = sorted(evalmod_devset, key=lambda a: a.id)
    long = [(a.title, "\n\n".join(x.text for x in (a, b, c)), a.language)
            for a, b, c in zip(arts, arts[1:] + arts[:1], arts[2:] + arts[:2])]
    long = [x for x in long if len(x[1]) >= 1.5 * CHUNK_CHARS]
    fast = [classify(t, x, lang, taxonomy) for t, x, lang in long]
    original = Model.predict
    calls = []

    def every_passage(self, title, text, terms, passages_from=0.0):
        calls.append(passages_from)
        return original(self, title, text, terms)

    monkeypatch.setattr(Model, "predict", every_passage)
    full = [classify(t, x, lang, taxonomy) for t, x, lang in long]
    assert fast == full
    assert calls and all(0 < p <= 0.5 for p in calls)
    assert sum(c.relevance < 0.5 for c in fast) >= 5 and sum(c.is_relevant for c in fast) >= 5


def test_themes_carry_the_models_probability(taxonomy, evalmod_devset):
    a = next(x for x in evalmod_devset if x.id == "t001")
    c = classify(a.title, a.text, a.language, taxonomy)
    assert c.method == "model"
    for h in c.themes:
        assert h.probability is not None and 0 <= h.probability <= 1
        assert h.evidence in a.text or h.evidence == a.title or h.evidence.endswith("\u2026")


# Written for this test (never trained on): a Traditional Chinese and a Japanese story on the topic.
HANT = (
    "輝達新晶片恐難輸往中國　美國擬收緊出口管制",
    "美國商務部正研擬新的出口管制措施，可能禁止輝達（Nvidia）向中國出售降規版的人工智慧晶片。"
    "知情人士表示，新規定將要求相關晶片出口須申請許可證，並把多家中國科技企業列入實體清單。"
    "輝達執行長表示，若失去中國市場，華為等本土晶片業者將填補空缺。",
)
JA = (
    "米政府、対中半導体規制を強化へ　エヌビディア製AIチップも対象",
    "米商務省は、中国向けの先端半導体の輸出規制を強化する新たな措置を発表した。エヌビディアが中国市場向けに"
    "性能を落として開発したAI半導体も輸出許可の対象となる。中国企業数十社がエンティティーリストに追加され、"
    "中国外務省は強く反発した。",
)


@pytest.mark.parametrize("lang, story", [("zh", HANT), ("ja", JA)])
def test_traditional_chinese_and_japanese_stories_are_relevant(lang, story, taxonomy):
    c = classify(story[0], story[1], lang, taxonomy)
    assert c.method == "model"
    assert c.is_relevant, c.relevance
    assert {"export_controls", "compliant_chips"} & {h.theme for h in c.themes}


def test_traditional_chinese_story_is_relevant_by_its_terms_too(taxonomy):
    c = classify(HANT[0], HANT[1], "zh", taxonomy, model=None)  # the vocabulary knows 輝達 and 晶片
    assert c.method == "terms" and c.is_relevant


# ------------------------------------------------------------------------------------------
# Terms where the model cannot help


def test_a_language_the_model_has_not_seen_falls_back_to_terms_and_says_so(taxonomy, model):
    assert not model.covers("pt")
    text = ("O Departamento de Comércio dos EUA ampliou os controles de exportação de chips de IA da Nvidia para a "
            "China e incluiu empresas chinesas na lista de entidades.")
    c = classify("EUA ampliam controles de exportação de chips", text, "pt", taxonomy)
    assert c.method == "terms"
    assert classifier_version(taxonomy, "pt").endswith("+terms")
    assert not classifier_version(taxonomy, "en").endswith("+terms")
    assert classifier_version(taxonomy, "en") == classifier_version(taxonomy)
    assert model.version in classifier_version(taxonomy)
    assert classify(None, "Die Exportkontrollen der USA für Chips", "de", taxonomy).method == "model"


def test_without_a_model_everything_is_terms(taxonomy):
    assert classifier_version(taxonomy, model=None).endswith("+terms")
    c = classify("Export controls", "The US tightened export controls on Nvidia chips to China.", "en", taxonomy, model=None)
    assert c.method == "terms"


NEW_THEME = """
[[themes]]
id = "chip_packaging"
label = "Advanced packaging"
description = "CoWoS, chiplets and the packaging capacity AI accelerators need."
[themes.terms.en]
"CoWoS" = 3
"advanced packaging" = 3
"chiplet*" = 2.5
"interposer*" = 2.5
"""


def test_a_theme_with_terms_and_no_training_data_works_from_its_terms(taxonomy, model):
    default_text = (REPO / "deploy" / "taxonomy.toml").read_text(encoding="utf-8")
    tax = parse_taxonomy(default_text + NEW_THEME, "with-packaging.toml")
    assert "chip_packaging" not in model.themes
    title = "China's AI chipmakers hit a packaging wall as US controls tighten"
    text = ("Chinese AI chip designers cannot get enough advanced packaging capacity for their accelerators, "
            "because US export controls bar TSMC's CoWoS lines from serving them. "
            "Huawei is building its own interposer lines and testing chiplet designs with SMIC. "
            "Analysts say advanced packaging is now the bottleneck for domestic AI chips.")
    c = classify(title, text, "en", tax)
    assert c.method == "model" and c.is_relevant
    hits = {h.theme: h for h in c.themes}
    assert "chip_packaging" in hits
    assert hits["chip_packaging"].probability is None  # from terms, not from the model
    assert "CoWoS" in hits["chip_packaging"].evidence or "packaging" in hits["chip_packaging"].evidence
    other = classify("US adds Chinese firms to Entity List", "The Commerce Department added Chinese chip firms "
                     "to the Entity List under export controls on AI chips.", "en", tax)
    assert "chip_packaging" not in {h.theme for h in other.themes}


def test_a_theme_removed_from_the_taxonomy_is_never_assigned(taxonomy):
    default_text = (REPO / "deploy" / "taxonomy.toml").read_text(encoding="utf-8")
    start = default_text.index('[[themes]]\nid = "compliant_chips"')
    end = default_text.index("[[themes]]", start + 10)
    tax = parse_taxonomy(default_text[:start] + default_text[end:], "no-compliant.toml")
    c = classify(HANT[0], HANT[1], "zh", tax)
    assert c.is_relevant and c.themes
    assert "compliant_chips" not in {h.theme for h in c.themes}


# ------------------------------------------------------------------------------------------
# Review order


def test_uncertainty_ranks_a_borderline_article_before_clear_ones(taxonomy):
    clear_on = classify(HANT[0], HANT[1], "zh", taxonomy)
    clear_off = classify("RTX 5090 review", "In our test the GeForce card averaged 140 frames per second in games "
                         "at 4K with ray tracing. Verdict: the fastest gaming GPU, if you can afford it.", "en", taxonomy)
    borderline = classify("Nvidia", "Nvidia sells chips. China buys many things.", "en", taxonomy)
    for c in (clear_on, clear_off, borderline):
        assert 0.0 <= uncertainty(c) <= 1.0
    assert uncertainty(borderline) > max(uncertainty(clear_off), 0.1)
    assert uncertainty(clear_off) < 0.2


# ------------------------------------------------------------------------------------------
# Training and corrections (scikit-learn: the `train` extra)

TINY_THEMES = ("export_controls", "smuggling_enforcement")


def _tiny_corpus() -> list[Document]:
    on = [("US tightens export controls on chips", "The Commerce Department tightened export controls and added firms "
           "to the Entity List; licences are now required for AI chips to China.", "export_controls"),
          ("New licence rule for AI chips", "Exports of advanced chips to China need a licence under the new rule from "
           "the Bureau of Industry and Security.", "export_controls"),
          ("Entity List grows", "More Chinese companies were put on the Entity List by the Commerce Department, "
           "restricting exports of chips.", "export_controls"),
          ("Men charged with smuggling GPUs", "Prosecutors charged two men with smuggling Nvidia GPUs to China through "
           "shell companies in Malaysia; customs seized servers.", "smuggling_enforcement"),
          ("Chip smugglers arrested", "Police arrested smugglers who diverted AI chips to China with false labels; "
           "the Justice Department indicted them.", "smuggling_enforcement"),
          ("Smuggling ring busted", "A ring that smuggled AI accelerators into China through Hong Kong was broken "
           "up; investigators seized chips.", "smuggling_enforcement")]
    off = [("Soybean prices fall", "Farmers sold soybeans as prices fell and harvest weather improved."),
           ("Phone launch", "The new smartphone has a bigger battery and a better camera for photos."),
           ("Game review", "The game runs at high frames per second and the story is fun for players."),
           ("Stock wrap", "The S&P 500 closed higher as bond yields eased before the jobs report.")]
    docs = [Document(f"on{i}", t, x, "en", True, th, (th,), complete=True, story=f"s-on{i}")
            for i, (t, x, th) in enumerate(on)]
    docs += [Document(f"off{i}", t, x, "en", False, complete=True, story=f"s-off{i}") for i, (t, x) in enumerate(off)]
    return docs


def _tiny_taxonomy():
    default_text = (REPO / "deploy" / "taxonomy.toml").read_text(encoding="utf-8")
    return parse_taxonomy(default_text, "tiny.toml")


def test_training_learns_and_a_correction_flips_a_label():
    pytest.importorskip("sklearn")
    from extractors.train import TrainParams, train_model

    tax = _tiny_taxonomy()
    params = TrainParams(min_df=1, min_positives=2, min_language_docs=1, calibration_folds=3)
    docs = _tiny_corpus()
    base = train_model(docs, tax, params=params)
    assert set(base.themes) == set(TINY_THEMES)
    probe_title = "Court case over AI chip exports"
    probe = "A court heard how Nvidia chips reached China; the firm says its licences for exports were in order."
    before = classify(probe_title, probe, "en", tax, model=base)
    # an analyst says: this article is about smuggling, and not about export controls
    fix = Correction("probe-1", probe_title, probe, "en", relevant=True, themes=("smuggling_enforcement",),
                     not_themes=("export_controls",), primary="smuggling_enforcement")
    after_model = train_model(docs, tax, corrections=[fix], params=params)
    after = classify(probe_title, probe, "en", tax, model=after_model)
    p_before = {h.theme: h.probability for h in before.themes}
    p_after = {h.theme: h.probability for h in after.themes}
    assert after.primary_theme == "smuggling_enforcement" != before.primary_theme or \
        p_after.get("smuggling_enforcement", 0) > p_before.get("smuggling_enforcement", 0)
    assert after.primary_theme == "smuggling_enforcement"
    assert after_model.version != base.version
    # relevance: an off-topic-looking text an analyst marks relevant moves up
    odd_title, odd = "Soybean growers and chips", "Farmers sold soybeans; chip tariffs worried growers."
    r0 = classify(odd_title, odd, "en", tax, model=base).relevance
    fixed = train_model(docs, tax, corrections=[Correction("odd", odd_title, odd, "en", relevant=True,
                                                           themes=("export_controls",))], params=params)
    assert classify(odd_title, odd, "en", tax, model=fixed).relevance > r0


def test_prepared_and_live_scoring_agree(taxonomy, model):
    from extractors.train import predict_prepared, prepare

    docs = _tiny_corpus()[:3]
    prep = prepare(docs, taxonomy)
    for d, p in zip(docs, predict_prepared(model, prep)):
        from extractors.features import term_features
        from extractors.themes import analyse

        live = model.predict(d.title, d.text, term_features(analyse(d.title, d.text, d.lang, taxonomy), taxonomy, model.themes))
        assert abs(live.relevance - p.relevance) < 1e-6
        assert all(abs(live.presence[t] - p.presence[t]) < 1e-6 for t in model.themes)


# ------------------------------------------------------------------------------------------
# Labelled documents


def test_news_jsonl_parser():
    line = json.dumps({"id": "n-1", "title": "T", "lang": "zh", "script": "Hant", "published": None,
                       "paragraphs": ["a", "b"], "relevant": True, "primary": "compliant_chips",
                       "required": ["compliant_chips", "export_controls"], "forbidden": ["smuggling_enforcement"],
                       "story": "s1"})
    (d,) = parse_news_jsonl(line + "\n\n")
    assert (d.text, d.primary, d.present, d.absent, d.script, d.complete) == (
        "a\nb", "compliant_chips", ("compliant_chips", "export_controls"), ("smuggling_enforcement",), "Hant", True)
    bad = json.dumps({"id": "n-2", "title": "T", "paragraphs": [], "relevant": True, "primary": "x", "required": ["y"]})
    with pytest.raises(CorpusError, match="line 1"):
        parse_news_jsonl(bad)


def test_devset_parser_and_corrections():
    raw = ("id: a1\nlanguage: en\ntitle: T\nrelevant: true\nprimary: geopolitics\nthemes: geopolitics, export_controls\n"
           "mentions: market_impact\n---\nBody.\n")
    d = parse_devset_article(raw, "a1.txt")
    assert (d.primary, d.present, d.passing) == ("geopolitics", ("geopolitics", "export_controls"), ("market_impact",))
    fixed = with_corrections([d], [Correction("a1", "T", "Body.", "en", themes=("ai_efficiency",),
                                              not_themes=("export_controls",))])
    (c,) = fixed
    assert c.primary == "geopolitics" and "ai_efficiency" in c.present and "export_controls" in c.absent
    assert "export_controls" not in c.present and c.weight > 1
    (irrelevant,) = correction_documents([Correction("z", "t", "x", "en", themes=("geopolitics",)),
                                          Correction("z", "t", "x", "en", relevant=False)])
    assert irrelevant.relevant is False and irrelevant.present == ()


# ------------------------------------------------------------------------------------------
# The split of the news corpus


@pytest.mark.skipif(not NEWS.is_file(), reason="../shared/corpora/news-labelled is not here")
def test_news_split_is_by_story_reproducible_and_big_enough():
    from benchmarks.split_news import load_split, make_split

    docs = parse_news_jsonl(NEWS.read_text(encoding="utf-8"))
    split = load_split()
    assert not set(split["tune"]) & set(split["test"])
    assert set(split["tune"]) | set(split["test"]) == {d.story for d in docs}
    assert sum(d.story in set(split["test"]) for d in docs) >= 120
    again = make_split(docs)
    assert again["test"] == split["test"] and again["tune"] == split["tune"]


@pytest.mark.skipif(not NEWS.is_file(), reason="../shared/corpora/news-labelled is not here")
def test_recorded_test_figures_are_what_the_evaluation_gives(taxonomy, model):
    from tests.pages import eval_classify_module

    evalmod = eval_classify_module()
    m = evalmod.evaluate_documents(evalmod.news_documents(part="test"), taxonomy)
    recorded = json.loads(DEFAULT_MODEL.with_suffix(".json").read_text(encoding="utf-8"))["figures"]["news"]
    for key in ("relevance_accuracy", "primary_accuracy", "present_found", "absent_assigned", "documents"):
        assert m[key] == pytest.approx(recorded[key]), key


def test_a_taxonomy_of_themes_the_model_never_saw_still_gives_relevant_articles_a_theme(model):
    default_text = (REPO / "deploy" / "taxonomy.toml").read_text(encoding="utf-8")
    tax = parse_taxonomy(default_text[: default_text.index("[[themes]]")] + NEW_THEME, "only-packaging.toml")
    assert not set(tax.theme_ids) & set(model.themes)
    c = classify("US export controls hit China's AI chips", "The Commerce Department tightened export controls on "
                 "Nvidia AI chips for China and added Chinese firms to the Entity List. Huawei lacks CoWoS capacity.",
                 "en", tax)
    assert c.method == "model" and c.is_relevant
    # one passing mention: below the rules' min_terms, forced as the rules force a relevant article's best theme
    assert [h.theme for h in c.themes] == ["chip_packaging"]


def test_learning_curve_cuts_whole_stories_to_the_share_deterministically():
    mod = _train_script()
    docs = [Document(id=f"d{i}", title="t", text="x", lang="en", relevant=False, story=f"s{i // 3}")
            for i in range(60)]  # 20 stories of 3 documents
    train = list(range(60))
    half = mod._subsample(docs, train, 0.5, 0)
    stories = {docs[i].story for i in half}
    assert len(stories) == 10 and len(half) == 30  # whole stories, half of them
    assert half == mod._subsample(docs, train, 0.5, 0)  # deterministic
    assert half != mod._subsample(docs, train, 0.5, 1)  # another draw, other stories
    assert set(mod._subsample(docs, train, 0.25, 0)) < set(range(60))
    assert mod._subsample(docs, train, 1.0, 0) == train


def _train_script():
    import importlib.util

    spec = importlib.util.spec_from_file_location("train_classifier_for_test", REPO / "benchmarks" / "train_classifier.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_extra_training_documents_never_bring_in_the_corpus_or_its_test_stories(tmp_path):
    """`train_classifier.py --extra`: more labelled news trains, but a page of the corpus, an
    event of the test part, a repeat or a document its reviewer dropped never does; and in the
    newest-stories check an extra document of a held-out story does not train."""
    mod = _train_script()
    test_story = min(mod.load_split()["test"])
    tune_story = min(mod.load_split()["tune"])

    def row(i, url, story, **more):
        return {"id": f"x-{i}", "url": url, "title": f"Title {i}", "lang": "en", "paragraphs": ["Nvidia H20 China."],
                "relevant": True, "primary": "compliant_chips", "required": ["compliant_chips"], "forbidden": [],
                "story": story, **more}

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "news.jsonl").write_text(json.dumps(row(0, "https://a.example/known", tune_story)) + "\n")
    extra = tmp_path / "extra.jsonl"
    rows = [row(1, "https://a.example/known/", "s-new"),  # the corpus's page (trailing slash)
            row(2, "https://b.example/copy", test_story),  # another outlet on a test event
            row(3, "https://c.example/dropped", "s-new", drop=True),
            row(4, "https://d.example/new", "s-new"),
            row(5, "https://d.example/new", "s-new"),  # a repeat
            row(6, "https://e.example/tune-event", tune_story)]
    extra.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    docs = mod.extra_documents(corpus, [extra])
    assert [d.id for d in docs] == ["x-4", "x-6"] and {d.source for d in docs} == {"news-extra"}

    news = [Document(id=f"n{i}", title="t", text="x", lang="en", relevant=False, story=f"s{i}",
                     published=f"2025-0{1 + i % 9}-01", source="news-labelled") for i in range(40)]
    held_story = min(news[i].story for i in mod.newest_split(news)[1])
    copy = Document(id="x-9", title="t", text="x", lang="en", relevant=False, story=held_story, source="news-extra")
    train, held = mod.newest_split(news + [copy])
    assert len(news) not in train and len(news) not in held  # neither trains nor is scored


def test_check_extra_trains_without_the_extra_documents_and_scores_only_them(monkeypatch, capsys):
    mod = _train_script()
    docs = [Document(id=f"d{i}", title="t", text="x", lang="en", relevant=False, story=f"s{i}",
                     source="news-extra" if i % 3 == 0 else "news-labelled") for i in range(9)]
    seen = {}

    def outcomes(prep, params, taxonomy, splits):
        seen["splits"] = splits
        return [mod.Outcome(False, ()) for _ in prep.docs]

    monkeypatch.setattr(mod, "held_out_outcomes", outcomes)
    prep = type("Prep", (), {"docs": docs})()
    taxonomy = type("Tax", (), {"theme_ids": ("export_controls",)})()
    assert mod._check_extra(prep, None, taxonomy) == 0
    [(train, held)] = seen["splits"]
    assert held == [0, 3, 6] and train == [1, 2, 4, 5, 7, 8]
    assert "n=   3" in capsys.readouterr().out
    assert mod._check_extra(type("Prep", (), {"docs": docs[1:3]})(), None, taxonomy) == 2  # no extra documents


def test_extra_documents_never_overwrite_the_shipped_model(tmp_path, capsys):
    """`--extra` trains on texts kept outside the project: without --cv or --check-extra it
    must be told where to write (--out), never the shipped model; the refusal is one line and
    happens before anything is read."""
    tc = _train_script()
    shipped = tc.DEFAULT_MODEL.read_bytes()
    with pytest.raises(SystemExit) as stop:
        tc.main(["--extra", str(tmp_path / "not-even-there.jsonl")])
    assert stop.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert "--extra would write the shipped model" in err and "--out PATH" in err
    assert tc.DEFAULT_MODEL.read_bytes() == shipped

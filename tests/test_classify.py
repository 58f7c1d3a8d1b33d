"""Relevance, themes, entities and the taxonomy file: behaviour tests.

The evaluation bars are asserted on the dev set's held-back split with the evaluation
script's own functions (benchmarks/eval_classify.py), never with copied numbers.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.pages import eval_classify_module

from extractors.classify import CLASSIFIER_VERSION, Classification, classifier_version, classify
from extractors.entities import find_entities, load_gazetteer
from extractors.taxonomy import TaxonomyError, load_taxonomy, parse_taxonomy

REPO = Path(__file__).resolve().parents[1]
SEEDS = Path(__file__).resolve().parents[1].parent / "shared" / "seeds"
DEFAULT_IDS = (
    "export_controls",
    "smuggling_enforcement",
    "offshore_compute",
    "compliant_chips",
    "domestic_chips",
    "market_impact",
    "ai_efficiency",
    "geopolitics",
)


def _eval_module():
    return eval_classify_module()


@pytest.fixture(scope="module")
def taxonomy():
    return load_taxonomy()


@pytest.fixture(scope="module")
def default_text() -> str:
    return (REPO / "deploy" / "taxonomy.toml").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def evalmod():
    return _eval_module()


@pytest.fixture(scope="module")
def devset(evalmod):
    return {a.id: a for a in evalmod.load_devset()}


# ------------------------------------------------------------------------------------------
# The taxonomy file


def test_default_taxonomy_has_the_eight_theme_ids(taxonomy):
    assert taxonomy.theme_ids == DEFAULT_IDS
    for theme in taxonomy.themes:
        assert theme.description
        for lang in ("en", "de", "fr", "es", "zh"):
            assert lang in theme.terms, f"{theme.id} has no {lang} vocabulary"


MINIMAL = """
[[themes]]
id = "chip_bans"
description = "bans"
[themes.terms.en]
"chip ban" = 2
"""


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("version = 1\nfoo = 1\n" + MINIMAL, "unknown key 'foo'"),
        ('[[themes]]\ndescription = "x"\n[themes.terms.en]\n"a" = 1\n', "themes[0]: missing id"),
        ('[[themes]]\nid = "empty_one"\ndescription = "x"\n', "themes[0] (empty_one): empty vocabulary"),
        ('[[themes]]\nid = "empty_two"\n[themes.terms.en]\n', "themes[0] (empty_two): empty vocabulary"),
        ('[[themes]]\nid = "bad_w"\n[themes.terms.en]\n"chip ban" = "high"\n', "themes[0] (bad_w): terms.en: weight of 'chip ban'"),
        ('[[themes]]\nid = "bad_w"\n[themes.terms.en]\n"chip ban" = 0\n', "weight of 'chip ban' must be a number"),
        ('[[themes]]\nid = "bad_w"\n[themes.terms.en]\n"chip ban" = 99\n', "weight of 'chip ban' must be a number"),
        ('[[themes]]\nid = "bad_w"\n[themes.terms.en]\n"chip ban" = true\n', "weight of 'chip ban'"),
        ('[[themes]]\nid = "bad_re"\n[themes.terms.en]\n"re:(unclosed" = 1\n', "themes[0] (bad_re): terms.en: term 're:(unclosed': bad regular expression"),
        ('[[themes]]\nid = "bad_key"\ncolour = "red"\n[themes.terms.en]\n"a" = 1\n', "themes[0] (bad_key): unknown key 'colour'"),
        ('[[themes]]\nid = "bad_lang"\n[themes.terms.english]\n"a" = 1\n', "unknown language key 'english'"),
        ('[[themes]]\nid = "Bad Id"\n[themes.terms.en]\n"a" = 1\n', "themes[0].id: must be lower-case"),
        (MINIMAL + MINIMAL, "themes[1] (chip_bans): duplicate id"),
        ("[settings]\nmin_score = 3\n" + MINIMAL, "settings.min_score: must be between 0 and 1"),
        ("[settings]\nshiny = 1\n" + MINIMAL, "settings: unknown key 'shiny'"),
        ("[relevance]\nthreshold = 2\n" + MINIMAL, "relevance.threshold"),
        ("[relevance.terms.nonsense.en]\n\"x\" = 1\n" + MINIMAL, "relevance.terms: unknown group 'nonsense'"),
        ("themes = 3\n", "themes: needs at least one [[themes]] entry"),
        ("this is = not toml [", "not valid TOML"),
    ],
)
def test_taxonomy_errors_are_one_line_naming_file_and_theme(text, fragment):
    with pytest.raises(TaxonomyError) as err:
        parse_taxonomy(text, "my-taxonomy.toml")
    msg = str(err.value)
    assert msg.startswith("my-taxonomy.toml: ")
    assert "\n" not in msg
    assert fragment in msg


def test_load_taxonomy_names_a_missing_file(tmp_path):
    with pytest.raises(TaxonomyError, match=r"nope\.toml: no such file"):
        load_taxonomy(tmp_path / "nope.toml")


def test_load_taxonomy_reads_a_user_file(tmp_path, default_text):
    p = tmp_path / "tax.toml"
    p.write_text(default_text, encoding="utf-8")
    assert load_taxonomy(p).theme_ids == DEFAULT_IDS


def test_a_user_added_theme_works_in_its_language(default_text, devset):
    text = default_text + """
[[themes]]
id = "software_stack"
label = "Software stack"
description = "CUDA lock-in and the software ecosystems of rival AI chips."
[themes.terms.de]
"CUDA" = 3
"Programmierplattform" = 3
"Ökosystem" = 3
"Software" = 2
"""
    tax = parse_taxonomy(text, "with-new-theme.toml")
    assert tax.theme_ids[-1] == "software_stack"
    art = devset["t046"]  # German: Huawei's chips, and the pain of leaving CUDA
    c = classify(art.title, art.text, "de", tax)
    hits = {h.theme: h for h in c.themes}
    assert "software_stack" in hits
    assert hits["software_stack"].evidence in art.text
    assert re.search("CUDA|Ökosystem|Software", hits["software_stack"].evidence)
    assert c.themes[0].theme == "domestic_chips"  # the new theme does not take over
    # its vocabulary is German: an English article about CUDA does not get it
    en = devset["t014"]
    assert "software_stack" not in {h.theme for h in classify(en.title, en.text, "en", tax).themes}


def test_removing_a_theme_removes_it(default_text, devset):
    start = default_text.index('[[themes]]\nid = "geopolitics"')
    tax = parse_taxonomy(default_text[:start], "without-geopolitics.toml")
    assert "geopolitics" not in tax.theme_ids
    art = devset["t028"]  # rare-earth retaliation: geopolitics by default
    assert classify(art.title, art.text, art.language, load_taxonomy()).themes[0].theme == "geopolitics"
    c = classify(art.title, art.text, art.language, tax)
    assert c.is_relevant
    assert "geopolitics" not in {h.theme for h in c.themes}
    assert c.themes  # a relevant article still gets the themes that remain


def test_rewording_a_theme_changes_nothing_but_its_words(default_text, devset):
    reworded = default_text.replace(
        'label = "Smuggling and enforcement"', 'label = "Chip smuggling and the people who chase it"'
    )
    tax = parse_taxonomy(reworded, "reworded.toml")
    assert tax.theme("smuggling_enforcement").label.startswith("Chip smuggling")
    art = devset["t001"]
    assert classify(art.title, art.text, "en", tax).themes[0].theme == "smuggling_enforcement"


# ------------------------------------------------------------------------------------------
# Relevance

OFF_TOPIC = {
    "gaming review": (
        "RTX 5080 review: fast, quiet and expensive",
        "Nvidia's GeForce RTX 5080 is the second-fastest graphics card you can buy. In our test suite "
        "at 4K it averaged 96 frames per second, with ray tracing and DLSS 4 frame generation enabled in "
        "most games. The card drew 320 watts and stayed at 62 degrees. Verdict: a great GPU for gamers who "
        "can find it near its $999 list price, though AMD's Radeon is cheaper.",
    ),
    "smartphone launch": (
        "Huawei Mate 70 goes on sale with Kirin chip and satellite calling",
        "Huawei's Mate 70 smartphone went on sale in China on Friday. The phone has a 50-megapixel camera, "
        "a 5,500mAh battery with 100W charging and runs HarmonyOS. Huawei did not name the chip inside, "
        "believed to be a Kirin processor made by SMIC. Prices start at 5,499 yuan and preorders topped "
        "three million.",
    ),
    "soybean tariffs": (
        "Soybean prices slide as China tariffs hit US farmers",
        "American farmers face another difficult season after China imposed retaliatory tariffs on soybeans, "
        "pork and corn. Chinese buyers turned to Brazil, and futures in Chicago fell to a four-year low. "
        "Farm groups urged Washington to reach a trade deal with Beijing quickly.",
    ),
    "EV tariffs": (
        "EU slaps duties on Chinese electric cars",
        "The European Union imposed tariffs of up to 35 percent on electric vehicles made in China, saying "
        "BYD, Geely and SAIC benefit from unfair subsidies. Beijing said it would challenge the decision at "
        "the WTO and opened a probe into European brandy. Carmakers in Germany opposed the duties.",
    ),
    "crypto mining": (
        "Bitcoin miners sell GPUs after the halving",
        "Crypto miners are selling thousands of Nvidia graphics cards after the bitcoin halving cut mining "
        "rewards. Ethereum's move to proof of stake had already left GPU rigs idle, and hash rate on smaller "
        "coins has collapsed. Some miners now rent their cards to AI start-ups.",
    ),
    "US fab construction": (
        "Micron breaks ground on New York megafab",
        "Micron broke ground on a $100 billion memory chip complex near Syracuse, backed by CHIPS Act grants "
        "from the Commerce Department. The semiconductor plant will create 9,000 jobs; construction workers "
        "will start on the first fab this year, and the governor called it a historic day for the state.",
    ),
    "chip-stock wrap": (
        "Chip stocks lift Nasdaq to record",
        "Semiconductor shares led Wall Street higher on Thursday. Nvidia rose 3 percent, AMD gained 4 percent "
        "and Broadcom added 2 percent after strong results from Micron. The S&P 500 closed at a record and "
        "bond yields were steady ahead of the jobs report.",
    ),
}


@pytest.mark.parametrize("kind", sorted(OFF_TOPIC))
def test_off_topic_negatives_are_not_relevant(kind, taxonomy):
    title, text = OFF_TOPIC[kind]
    c = classify(title, text, "en", taxonomy)
    assert not c.is_relevant, f"{kind}: relevance {c.relevance}"
    assert c.relevance < taxonomy.relevance.threshold
    assert c.themes == ()


def test_dev_set_negatives_are_not_relevant(devset, taxonomy):
    negatives = [a for a in devset.values() if not a.relevant]
    assert len(negatives) >= 20
    for a in negatives:
        c = classify(a.title, a.text, a.language, taxonomy)
        assert not c.is_relevant, f"{a.id} ({a.title}): relevance {c.relevance}"


def test_relevant_articles_get_themes_with_evidence_from_the_text(devset, taxonomy):
    for art_id in ("t001", "t046", "h033", "t049", "h030"):
        a = devset[art_id]
        c = classify(a.title, a.text, a.language, taxonomy)
        assert c.is_relevant and 0.5 <= c.relevance <= 1
        assert c.themes, art_id
        scores = [h.score for h in c.themes]
        assert scores == sorted(scores, reverse=True) and len(set(scores)) == len(scores)
        for h in c.themes:
            assert 0 < h.score <= 1
            assert h.evidence and (h.evidence in a.text or h.evidence == a.title or h.evidence.endswith("\u2026"))


# ------------------------------------------------------------------------------------------
# The seeds

SEED_THEMES = {
    "000": ("offshore_compute", {"export_controls", "geopolitics"}),
    "001": ("smuggling_enforcement", {"market_impact", "export_controls"}),
    "002": ("compliant_chips", {"ai_efficiency", "export_controls", "market_impact"}),
    "003": ("domestic_chips", {"geopolitics"}),
    "004": ("domestic_chips", {"export_controls", "geopolitics"}),
}


# The learned model misses the primary of two seeds (known, reported in docs/classification.md):
# both open with paragraphs of generic export-control wording and are labelled by what follows
# (002: Nvidia's slowed-down chips for China; 004: Huawei's Ascend). The rules, tuned with the
# seeds in view, got them; strict xfail, so a model that gets them right fails this marker.
_SEED_MISSES = {"002": "primary ai_efficiency for compliant_chips", "004": "primary export_controls for domestic_chips"}


@pytest.mark.parametrize("seed", [pytest.param(s, marks=pytest.mark.xfail(strict=True, reason=_SEED_MISSES[s]))
                                  if s in _SEED_MISSES else s for s in sorted(SEED_THEMES)])
def test_seeds_get_their_primary_and_other_themes(seed, taxonomy):
    clean = SEEDS / "clean"
    if not clean.is_dir():
        pytest.skip("../shared/seeds is not here")
    (path,) = clean.glob(f"{seed}_*.txt")
    c = classify(None, path.read_text(encoding="utf-8"), "en", taxonomy)
    primary, others = SEED_THEMES[seed]
    assert c.is_relevant
    assert c.themes[0].theme == primary, [(h.theme, h.score) for h in c.themes]
    assert others <= {h.theme for h in c.themes}
    assert {e.kind for e in c.entities} - {"country"}


# ------------------------------------------------------------------------------------------
# Entities


def _ents(title, text=""):
    return {(e.entity, e.kind): e.mentions for e in find_entities(title, text)}


def test_entity_aliases_resolve_to_canonical_names():
    e = _ents(
        "英伟达H20芯片遭约谈",
        "华为昇腾910B与英伟达H20竞争。美国商务部工业与安全局将其列入实体清单，中国商务部回应。",
    )
    assert e[("Nvidia", "company")] == 2
    assert e[("Nvidia H20", "chip")] == 2
    assert e[("Huawei", "company")] == 1
    assert e[("Huawei Ascend 910B", "chip")] == 1
    assert ("Huawei Ascend", "chip") not in e  # the longer alias of the same kind wins
    assert e[("Commerce Department", "agency")] == 1
    assert e[("MOFCOM", "agency")] == 1  # 中国商务部, not the 商务部 inside 美国商务部
    assert e[("Bureau of Industry and Security", "agency")] == 1
    assert e[("Entity List", "rule")] == 1
    assert e[("United States", "country")] == 1 and e[("China", "country")] == 1


def test_english_aliases_acronyms_and_case_rules():
    e = _ents(
        "BIS adds firms to entity list",
        "The Bureau of Industry and Security (BIS) said Nvidia's H20s and the A800 fall under the foreign "
        "direct product rule. The Commerce Department and the Cyberspace Administration of China disagree; "
        "the AI diffusion rule was rescinded. The U.S. and the Netherlands agreed. Dutch officials spoke.",
    )
    assert e[("Bureau of Industry and Security", "agency")] == 3
    assert e[("Nvidia H20", "chip")] == 1 and e[("Nvidia A800", "chip")] == 1
    assert e[("Entity List", "rule")] == 1
    assert e[("Foreign Direct Product Rule", "rule")] == 1
    assert e[("AI Diffusion Rule", "rule")] == 1
    assert e[("Cyberspace Administration of China", "agency")] == 1
    assert e[("United States", "country")] == 1
    assert e[("Netherlands", "country")] == 2
    # short acronyms are case-sensitive and whole words: German "bis", "cac", "Washington Post"
    e = _ents("", "Die Preise steigen bis Ende des Jahres, sagte die Washington Post. Der CAC 40 fiel.")
    assert ("Bureau of Industry and Security", "agency") not in e
    assert ("United States", "country") not in e
    assert ("Cyberspace Administration of China", "agency") not in e


def test_country_names_in_german_french_spanish():
    assert ("United States", "country") in _ents("", "Die Vereinigten Staaten und die USA")
    assert _ents("", "Les États-Unis et la Chine, les Pays-Bas")[("Netherlands", "country")] == 1
    assert _ents("", "Estados Unidos y China; Países Bajos y Japón")[("Japan", "country")] == 1
    assert _ents("", "Singapur und Malaysia")[("Singapore", "country")] == 1


def test_every_relevant_dev_article_gets_entities_beyond_countries(devset, taxonomy):
    for a in devset.values():
        if a.relevant:
            kinds = {e.kind for e in classify(a.title, a.text, a.language, taxonomy).entities}
            assert kinds - {"country"}, a.id


def test_gazetteer_errors_name_the_file(tmp_path):
    p = tmp_path / "ents.toml"
    p.write_text('[company]\n"Acme" = "not a list"\n', encoding="utf-8")
    with pytest.raises(TaxonomyError, match=r"ents\.toml: company\.Acme: aliases must be a list"):
        load_gazetteer(p)


# ------------------------------------------------------------------------------------------
# The facade


@pytest.mark.parametrize(
    "title, text, language",
    [
        (None, "", None),
        (None, None, None),
        ("", "   \n\n  ", "en"),
        ("x", "\x00\x01\x02 \ufffd" * 100, "xx"),
        (b"bytes title", b"\xff\xfe bytes body", "en"),
        ("t", "word " * 60_000, "en"),
        ("t", "芯片" * 5000, None),
        ("t", "Nvidia H20 export controls China. " * 50, "EN-us"),
        (123, ["not", "text"], 5),
    ],
)
def test_classify_never_raises(title, text, language, taxonomy):
    c = classify(title, text, language, taxonomy)
    assert isinstance(c, Classification)
    assert 0.0 <= c.relevance <= 1.0
    assert isinstance(c.is_relevant, bool)


def test_language_is_optional(devset, taxonomy):
    for art_id in ("t054", "t045", "t001"):
        a = devset[art_id]
        assert classify(a.title, a.text, None, taxonomy).primary_theme == a.primary


def test_classifier_version(taxonomy):
    assert CLASSIFIER_VERSION
    assert classifier_version(taxonomy).startswith(CLASSIFIER_VERSION + "+")
    assert classifier_version(taxonomy) == classifier_version(load_taxonomy())


def test_classification_is_fast(devset, evalmod, taxonomy):
    m = evalmod.evaluate(list(devset.values()), taxonomy)
    assert m["ms_per_article"] < 25  # ~2-3 ms here with the model; generous for a loaded CI machine


# ------------------------------------------------------------------------------------------
# The evaluation: the bars, on the held-back split, from the script's own functions


@pytest.fixture(scope="module")
def held_metrics(evalmod, taxonomy):
    arts = evalmod.load_devset(split="held")
    m = evalmod.evaluate(arts, taxonomy)
    m.update(evalmod.evaluate_clusters(arts))
    return m


def test_dev_set_is_big_and_varied_enough(evalmod):
    arts = evalmod.load_devset()
    assert len(arts) >= 80
    assert {a.split for a in arts} == {"tune", "held"}
    for lang in ("de", "fr", "es", "zh"):
        assert sum(a.language == lang for a in arts) >= 3, lang
    primaries = [a.primary for a in arts if a.relevant]
    for t in DEFAULT_IDS:
        assert primaries.count(t) >= 4, t
    assert sum(not a.relevant for a in arts) >= 20
    assert sum(len(a.themes) >= 2 for a in arts) >= 40
    for a in arts:
        words = len(a.text.split()) if a.language != "zh" else len(a.text) / 1.6
        assert 150 <= words <= 520, (a.id, words)


@pytest.mark.parametrize("metric", ["relevance_accuracy", "primary_accuracy", "present_found", "absent_assigned", "cluster_f1", "relevant_with_entities"])
def test_held_back_split_meets_the_bars(held_metrics, evalmod, metric):
    op, bar = evalmod.BARS[metric]
    value = held_metrics[metric]
    assert value >= bar if op == ">=" else value <= bar, f"{metric} = {value:.3f}, bar {op} {bar}"

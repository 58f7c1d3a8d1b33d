"""A larger multilingual warehouse for the search benchmark (benchmarks/search_eval.py).

"Needles": every article of the project's own texts, each stored whole: the dev set
(tests/devset, written for chipwire: en, de, fr, es, zh), the demo bundle's pages (en, de;
text taken out of the bundled HTML by trafilatura), the Japanese and Korean articles of
search_data/articles.toml, and three dev-set Chinese articles converted to traditional script
(OpenCC). The labelled queries of search_data/queries.toml are answered by needles.

"Haystack": the rest, up to N articles, each assembled from 5-14 sentences drawn at random
from the needles of one language that answer no query (numbers changed, so figures vary), under a title cut from
another such sentence, with a random outlet, date (2023-2025) and 0-2 themes. Languages in
roughly the proportions a chip-policy newsroom reads: en 62 %, zh 12 % (a fifth of it in
traditional script), de 6 %, fr 5 %, es 5 %, ja 5 %, ko 5 %. Nothing of third parties is in it.

Articles are loaded through the warehouse's own write path (Warehouse.articles.save and
classification.save), as a run would load them. Deterministic for a given seed.
"""

from __future__ import annotations

import random
import re
import sys
import tomllib
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = Path(__file__).resolve().parent / "search_data"
THEMES = ["export_controls", "smuggling_enforcement", "offshore_compute", "compliant_chips", "domestic_chips",
          "market_impact", "ai_efficiency", "geopolitics"]
MIX = [("en", 62), ("zh", 10), ("zh-tw", 2), ("de", 6), ("fr", 5), ("es", 5), ("ja", 5), ("ko", 5)]
TRADITIONAL = ("t054", "h043", "t056")
_SENTENCE = re.compile(r"(?<=[.!?])\s+|(?<=[。！？])")
_CJK = {"zh", "ja", "ko"}


def _article(aid: str, title: str, text: str, lang: str, published: datetime, source: str,
             themes: list[str]) -> dict:
    url = f"https://bench.invalid/{aid}"
    return {"article_id": aid, "url": url, "canonical_url": url, "final_url": url, "frontier_url": url,
            "source": source, "title": title, "published_at": published, "fetched_at": published + timedelta(hours=1),
            "language": lang, "text": text, "word_count": len(text.split()), "extractor_version": "bench",
            "themes": themes}


def needles() -> list[dict]:
    from benchmarks.eval_classify import load_devset

    out = []
    for a in load_devset():
        when = datetime.fromisoformat(a.published.replace("Z", "+00:00"))
        out.append(_article(f"dev-{a.id}", a.title, a.text, a.language, when, f"devset-{a.language}",
                            list(a.themes)))
    out += _demo_needles()
    for a in tomllib.loads((DATA / "articles.toml").read_text(encoding="utf-8"))["articles"]:
        when = datetime.fromisoformat(a["published"].replace("Z", "+00:00"))
        out.append(_article(a["id"], a["title"], a["text"], a["language"], when, f"own-{a['language']}", a["themes"]))
    import opencc

    s2t = opencc.OpenCC("s2t")
    for a in [n for n in out if n["article_id"].removeprefix("dev-") in TRADITIONAL]:
        out.append(dict(_article(f"tw-{a['article_id'][4:]}", s2t.convert(a["title"]), s2t.convert(a["text"]), "zh",
                                 a["published_at"] + timedelta(hours=5), "devset-zh-tw", a["themes"])))
    return out


def _demo_needles() -> list[dict]:
    import trafilatura

    from flows.demo.server import bundled_sites_dir

    root = bundled_sites_dir()
    manifest = tomllib.loads((root / "MANIFEST.toml").read_text(encoding="utf-8"))["articles"]
    out = []
    for m in manifest:
        html = (root / m["outlet"] / m["path"]).read_text(encoding="utf-8")
        text = trafilatura.extract(html, include_comments=False) or ""
        slug = Path(m["path"]).stem
        out.append(_article(f"demo-{m['outlet']}-{slug}", m["title"], text, m["language"],
                            datetime.fromisoformat(m["published"]).astimezone(timezone.utc), m["outlet"],
                            []))
    return out


def answers() -> set[str]:
    """The needles some labelled query is answered by."""
    return {aid for q in tomllib.loads((DATA / "queries.toml").read_text(encoding="utf-8"))["queries"]
            for aid in q["relevant"]}


def _pools(found: list[dict]) -> dict[str, tuple[list[str], list[str]]]:
    """language -> (sentences, title material) of the needles that answer no query: the
    haystack shares their vocabulary and topics, but never repeats an answer's sentences (an
    assembled article that did could rightly answer its query too, and the labels would lie)."""
    pools: dict[str, tuple[list[str], list[str]]] = {}
    taken = answers()
    for a in found:
        if a["article_id"] in taken or a["article_id"].removeprefix("tw-") in taken:
            continue
        sentences = [s.strip() for line in a["text"].splitlines() for s in _SENTENCE.split(line) if len(s.strip()) > 8]
        pool = pools.setdefault(a["language"], ([], []))
        pool[0].extend(sentences)
        pool[1].append(a["title"])
    return pools


def _title(rng: random.Random, sentence: str, lang: str) -> str:
    if lang in _CJK:
        return sentence[: rng.randint(12, 24)].rstrip("，、。 ")
    return " ".join(sentence.split()[: rng.randint(7, 12)]).rstrip(",;:")


def _numbers(rng: random.Random, text: str) -> str:
    return re.sub(r"\d+", lambda m: str(rng.randint(2, 999)), text)


def haystack(found: list[dict], n: int, seed: int = 7):
    """``n`` assembled articles (module docstring), one at a time."""
    import opencc

    s2t = opencc.OpenCC("s2t")
    rng = random.Random(seed)
    pools = _pools(found)
    langs = [lang for lang, weight in MIX for _ in range(weight)]
    start = datetime(2023, 1, 1, tzinfo=timezone.utc)
    for i in range(n):
        lang = rng.choice(langs)
        base = "zh" if lang == "zh-tw" else lang
        sentences, _ = pools[base]
        chosen = [rng.choice(sentences) for _ in range(rng.randint(5, 14))]
        paras = ["".join(chosen[j:j + 3]) if base in _CJK else " ".join(chosen[j:j + 3]) for j in range(0, len(chosen), 3)]
        text = _numbers(rng, "\n".join(paras))
        title = _numbers(rng, _title(rng, rng.choice(sentences), base))
        if lang == "zh-tw":
            text, title = s2t.convert(text), s2t.convert(title)
        when = start + timedelta(minutes=rng.randint(0, 3 * 365 * 24 * 60))
        themes = rng.sample(THEMES, rng.choice((0, 0, 1, 1, 1, 2)))
        yield _article(f"syn-{seed}-{i:07d}", title, text, base, when, f"Outlet {rng.randint(1, 60):02d}", themes)


def load(wh, articles: list[dict], version: str = "bench-1") -> None:
    """Store ``articles`` (and their themes) through the warehouse's write path."""
    from dataclasses import fields

    from warehouse.records import ArticleRow, ClassRow, ThemeRow

    known = {f.name for f in fields(ArticleRow)}
    wh.articles.save([ArticleRow(**{k: v for k, v in a.items() if k in known}) for a in articles], [])
    rows = [ClassRow(a["article_id"], 0.9 if a["themes"] else 0.1, bool(a["themes"]),
                     a["themes"][0] if a["themes"] else None, version) for a in articles]
    themes = [ThemeRow(a["article_id"], t, 0.8, None, version) for a in articles for t in a["themes"]]
    wh.classification.save(rows, themes, [], [])


def build(db: Path, n: int, seed: int = 7, batch: int = 5000) -> int:
    """A warehouse of ``n`` articles at ``db`` (a new file); returns the number of needles."""
    from warehouse.db import Warehouse

    wh = Warehouse(db)
    wh.migrate()
    found = needles()
    load(wh, found)
    chunk: list[dict] = []
    for a in haystack(found, max(0, n - len(found)), seed):
        chunk.append(a)
        if len(chunk) >= batch:
            load(wh, chunk)
            chunk = []
    if chunk:
        load(wh, chunk)
    wh.checkpoint()
    return len(found)

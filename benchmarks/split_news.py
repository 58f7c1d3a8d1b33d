"""Split the news-labelled corpus into a tuning part and a test part, by story and time.

    python benchmarks/split_news.py [--corpus ../shared/corpora/news-labelled] [--write]

Rules (deterministic; the result is committed as benchmarks/news_split.json, story ids only):
- no story is in two parts: a story's documents go together;
- stories are grouped by what they are about (off-topic, or the primary theme most of their
  documents have), so that every theme and the near misses are in the test part;
- within a group, the most recent stories go to test until it holds TEST_SHARE of the group's
  documents (a story that would overshoot that by more than one document is passed over). A story's date is its earliest dated document's, else the date its slug names
  (``...-2025-08``, ``...-nov2025``, ``...-2024``); stories with neither are ordered by a hash of
  their id and split at the same share, so undated families (old reviews, earnings) are in both.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from extractors.corpus import Document, parse_news_jsonl  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpora" / "news-labelled"
SPLIT_FILE = ROOT / "benchmarks" / "news_split.json"
TEST_SHARE = 0.26
_MONTHS = {m: i + 1 for i, m in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split())}


def corpus_version(raw: bytes) -> str:
    return "sha256:" + hashlib.sha256(raw).hexdigest()[:16]


def slug_date(slug: str) -> str | None:
    if m := re.search(r"(20\d\d)-(\d\d)(?!\d)", slug):
        return f"{m.group(1)}-{m.group(2)}"
    if m := re.search(r"(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)-?(20\d\d)", slug):
        return f"{m.group(2)}-{_MONTHS[m.group(1)]:02d}"
    if m := re.search(r"(?<!\d)(20\d\d)(?!\d)", slug):
        return f"{m.group(1)}-06"
    return None


def story_groups(docs: list[Document]) -> dict[str, list[Document]]:
    stories: dict[str, list[Document]] = defaultdict(list)
    for d in docs:
        stories[d.story].append(d)
    return stories


def _stratum(members: list[Document]) -> str:
    prim = Counter(d.primary for d in members if d.relevant)
    return "offtopic" if not prim else sorted(prim.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]


def _date(story: str, members: list[Document]) -> str | None:
    dated = sorted(d.published for d in members if d.published)
    return dated[0][:7] if dated else slug_date(story)


def _take(ordered: list[str], sizes: dict[str, int], share: float) -> list[str]:
    """Stories from the front of `ordered` until they hold `share` of the documents; a story
    that would overshoot that by more than one document is passed over (a big story does not
    take a theme's training data away)."""
    total, taken, out = sum(sizes[s] for s in ordered), 0, []
    for s in ordered:
        if taken >= share * total:
            break
        if taken + sizes[s] <= share * total + 1:
            out.append(s)
            taken += sizes[s]
    return out


def make_split(docs: list[Document], share: float = TEST_SHARE) -> dict[str, list[str]]:
    stories = story_groups(docs)
    by_stratum: dict[str, list[str]] = defaultdict(list)
    for s, members in stories.items():
        by_stratum[_stratum(members)].append(s)
    sizes = {s: len(m) for s, m in stories.items()}
    test: list[str] = []
    for group in sorted(by_stratum):
        dated = sorted((s for s in by_stratum[group] if _date(s, stories[s])), key=lambda s: (_date(s, stories[s]), s), reverse=True)
        undated = sorted((s for s in by_stratum[group] if not _date(s, stories[s])), key=lambda s: hashlib.sha1(s.encode()).hexdigest())
        test += _take(dated, sizes, share) + _take(undated, sizes, share)
    tune = sorted(set(stories) - set(test))
    return {"tune": tune, "test": sorted(test)}


def load_split(path: Path = SPLIT_FILE) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def summary(docs: list[Document], split: dict) -> str:
    lines = []
    for part in ("tune", "test"):
        ids = set(split[part])
        sel = [d for d in docs if d.story in ids]
        langs = Counter(d.lang for d in sel)
        prim = Counter(d.primary or "off-topic" for d in sel)
        lines.append(f"{part}: {len(ids)} stories, {len(sel)} documents; " + ", ".join(f"{k} {v}" for k, v in langs.most_common())
                     + "; " + ", ".join(f"{k} {v}" for k, v in sorted(prim.items())))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, default=CORPUS)
    ap.add_argument("--write", action="store_true", help=f"write {SPLIT_FILE.relative_to(ROOT)}")
    args = ap.parse_args(argv)
    raw = (args.corpus / "news.jsonl").read_bytes()
    docs = parse_news_jsonl(raw.decode("utf-8"))
    split = make_split(docs)
    print(summary(docs, split))
    if args.write:
        out = {"corpus": "news-labelled", "corpus_version": corpus_version(raw), "rule": __doc__.split("\n\n")[2],
               "test_share": TEST_SHARE, **split}
        SPLIT_FILE.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {SPLIT_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

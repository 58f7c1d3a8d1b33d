#!/usr/bin/env python3
"""Body text on trafilatura's own evaluation pages: must-have and must-not-have snippets.

trafilatura's repository keeps ~990 real web pages (``tests/eval/``, ``tests/cache/``; mostly
German and English news, blogs and institutional pages, 2012-2021) with, for each, a few
snippets the article text must contain and a few (menus, footers, share prompts, dates,
related lists) it must not (``tests/evaldata.json``). This script scores chipwire's text and
plain ``trafilatura.extract`` on them the way trafilatura's own ``tests/evaluate.py`` does: a
"with" snippet found is a true positive, missing a false negative; a "without" snippet found is a
false positive, absent a true negative. The pages are third-party: they are read from a
checkout of trafilatura (``--data``: the folder holding ``evaldata.json``), never copied here.

    git clone https://github.com/adbar/trafilatura /tmp/trafilatura   # once, where you like
    python benchmarks/eval_snippets.py --data /tmp/trafilatura/tests --split tune
    python benchmarks/eval_snippets.py --data /tmp/trafilatura/tests --split test   # report once
    python benchmarks/eval_snippets.py --data ... --split tune --lost 20           # pages to look at

Splits: by the page's registered domain (a hash of it), about half each, so that no site is in
both. trafilatura was developed on these pages: its figure here is the best it shows anywhere;
chipwire's question is whether its cleaning takes the furniture trafilatura leaves (precision)
without losing text (recall). trafilatura's defaults keep a page's reader comments, and some
"with" snippets are in them; chipwire leaves comments out by design (they are not the article),
so ``trafilatura, no comments`` (``include_comments=False``) is the like-for-like row.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import unicodedata
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

_SPACE = re.compile(r"\s+")


def _norm(text: str) -> str:
    """Spaces collapsed, and Unicode's canonical composition (NFC) on both sides: trafilatura
    writes NFC, chipwire keeps the page's code points (a Bengali page's U+09DF and the snippet's
    U+09AF U+09BC are the same letter)."""
    return _SPACE.sub(" ", unicodedata.normalize("NFC", text or "")).strip()


def registered_domain(url: str) -> str:
    """The split's key. Not ``extractors.urls.site_of``: that one follows the public-suffix list
    (each ``*.blogspot.com`` blog its own site), which would move 6 pages between the parts after
    both were evaluated; the parts stay as first drawn."""
    host = (urlsplit(url).hostname or "").lower().removeprefix("www.")
    labels = host.split(".")
    country = len(labels) >= 3 and len(labels[-2]) <= 3 and len(labels[-1]) == 2  # bbc.co.uk
    return ".".join(labels[-3:] if country else labels[-2:])


def split_of(url: str) -> str:
    return "tune" if int(hashlib.sha1(registered_domain(url).encode()).hexdigest(), 16) % 2 == 0 else "test"


def load(data: Path, split: str) -> list[dict]:
    index = json.loads((data / "evaldata.json").read_text(encoding="utf8"))
    pages = []
    for url, item in index.items():
        if split != "all" and split_of(url) != split:
            continue
        path = next((p for p in (data / "eval" / item["file"], data / "cache" / item["file"]) if p.exists()), None)
        if path is not None:
            pages.append({"url": url, "path": str(path), "with": item.get("with", []), "without": item.get("without", [])})
    return pages


def _texts(page: dict) -> dict:
    import trafilatura

    from eval_bodies import apply_settings

    apply_settings(page.get("settings", []))
    from extractors.article import extract_article
    from extractors.errors import ExtractorError

    body = Path(page["path"]).read_bytes()
    try:
        article = extract_article(body, url=page["url"])
        ours, title = article.text, article.title
    except ExtractorError:
        ours, title = "", None
    return {"chipwire": _norm(ours), "trafilatura": _norm(trafilatura.extract(body) or ""),
            "trafilatura, no comments": _norm(trafilatura.extract(body, include_comments=False) or ""),
            "title": title, "title_shown": bool(ours) and _title_shown(body, title)}


def _title_shown(body: bytes, title: str | None) -> bool:
    """No annotation of titles here, so a plausibility check: the title is (part of) one of the
    page's ``h1`` texts, or part of its ``<title>`` or og:title. A title that is neither (a menu's
    heading, a teaser, a credit run into the headline) is suspicious; so is no title at all."""
    import trafilatura

    from extractors.article import decode_html, nfc

    tree = trafilatura.load_html(nfc(decode_html(body)))  # titles are stored in NFC
    if not title or tree is None:
        return False

    def norm(text: str) -> str:
        return " ".join(re.findall(r"\w+", text.lower()))

    key = norm(title)
    h1s = [norm(h.text_content()) for h in tree.iter("h1")]
    declared = [norm(el.text_content()) for el in tree.iter("title")]
    declared += [norm(c) for c in tree.xpath("//meta[@property='og:title']/@content")]
    return any(key == h or (len(h) > 10 and h in key) or key in h for h in h1s) or any(key in d for d in declared)


def score(pages: list[dict], texts: list[dict], system: str) -> dict:
    tp = fn = fp = tn = 0
    for page, text in zip(pages, texts):
        t = text[system]
        for s in page["with"]:
            found = _norm(s) in t
            tp += found
            fn += not found
        for s in page["without"]:
            found = _norm(s) in t
            fp += found
            tn += not found
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"tp": tp, "fn": fn, "fp": fp, "tn": tn, "precision": precision, "recall": recall, "f1": f1,
            "accuracy": (tp + tn) / max(1, tp + fn + fp + tn)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, required=True, help="trafilatura's tests/ folder (evaldata.json, eval/, cache/)")
    parser.add_argument("--split", choices=["tune", "test", "all"], default="tune")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--lost", type=int, default=0, metavar="N",
                        help="list N pages where chipwire misses a 'with' snippet trafilatura finds, or keeps a 'without' one it drops")
    parser.add_argument("--titles", type=int, default=0, metavar="N",
                        help="list N pages whose title is suspicious (none, or neither an h1 nor part of a declared title)")
    parser.add_argument("--set", action="append", default=[], metavar="MODULE.NAME=VALUE",
                        help="override a rule's constant, as in eval_bodies.py (body.LOST_COVERAGE=0.6)")
    args = parser.parse_args(argv)
    if not (args.data / "evaldata.json").exists():
        sys.exit(f"no evaldata.json in {args.data}: give --data the tests/ folder of a trafilatura checkout")
    pages = [dict(p, settings=args.set) for p in load(args.data, args.split)]
    with ProcessPoolExecutor(args.jobs) as pool:
        texts = list(pool.map(_texts, pages, chunksize=8))
    print(f"trafilatura's evaluation pages, split {args.split}: {len(pages)} pages, "
          f"{sum(len(p['with']) for p in pages)} 'with' and {sum(len(p['without']) for p in pages)} 'without' snippets"
          + (f"; settings: {', '.join(args.set)}" if args.set else ""))
    print(f"{'':24s} {'precision':>9s} {'recall':>7s} {'F1':>7s} {'accuracy':>8s}   tp/fn/fp/tn")
    for system in ("trafilatura", "trafilatura, no comments", "chipwire"):
        r = score(pages, texts, system)
        print(f"{system:24s} {r['precision']:9.4f} {r['recall']:7.4f} {r['f1']:7.4f} {r['accuracy']:8.4f}   "
              f"{r['tp']}/{r['fn']}/{r['fp']}/{r['tn']}")
    answered = [t for t in texts if t["chipwire"]]
    print(f"chipwire's titles on the {len(answered)} pages it extracts: {sum(not t['title'] for t in answered)} without "
          f"a title, {sum(not t['title_shown'] for t in answered)} neither an h1 nor part of a declared title (suspicious)")
    for page, text in [(p, t) for p, t in zip(pages, texts) if t["chipwire"] and not t["title_shown"]][:args.titles]:
        print(f"  {Path(page['path']).name}: {text['title']!r}")
    if args.lost:
        shown = 0
        for page, text in zip(pages, texts):
            lost = [s for s in page["with"] if _norm(s) in text["trafilatura"] and _norm(s) not in text["chipwire"]]
            kept = [s for s in page["without"] if _norm(s) in text["chipwire"] and _norm(s) not in text["trafilatura"]]
            if (lost or kept) and shown < args.lost:
                shown += 1
                print(f"\n{page['url']}  ({Path(page['path']).name})")
                for s in lost:
                    print(f"  LOST  {s[:100]}")
                for s in kept:
                    print(f"  KEPT  {s[:100]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

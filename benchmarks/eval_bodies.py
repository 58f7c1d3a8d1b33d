#!/usr/bin/env python3
"""Body text, titles and dates on real pages chipwire was not tuned on: AEB and L3S-GN1, against
plain ``trafilatura.extract`` (default settings) on the same pages.

    python benchmarks/eval_bodies.py --split tune            # L3S-GN1 tune part + AEB (tuning)
    python benchmarks/eval_bodies.py --split test            # the held-out part (report once)
    python benchmarks/eval_bodies.py --timing                # per-page extraction time on AEB
    python benchmarks/eval_bodies.py --worst 15 --split tune # the pages to look at while tuning
    python benchmarks/eval_bodies.py --titles-wrong 40 --split tune --collection l3s-gn1  # title misses

Rows, per collection (AEB's metric, ``benchmarks/aeb_metric.py``):
- ``trafilatura default``: ``trafilatura.extract(html)``, nothing else;
- ``chipwire page``: ``extract_article`` alone (page-level cleaning: what one page teaches);
- ``chipwire stored``: then site learning over the collection, grouped by ``ExtractedArticle.site``
  (the outlet key) as ``flows.refine.clean_sites`` does it: what the warehouse stores.

Pages go in as the pipeline gets them: L3S-GN1 pages with their URL (fetched pages); AEB pages as
``backfill --dir`` reads saved files (the declared canonical URL, else a file:// URI), so AEB's
row is the figure "through backfill --dir".

Per failure class (issue 15), the pages where the class shows, told from the page and never from
the truth: ``lost-body`` (the lost-body check fired), ``structured`` (the page carries an
``articleBody``), ``title-suffix`` (the page's title carries more than the headline),
``leftovers`` (trafilatura's own output holds a line of the families added for issue 15),
``outlet`` (the page's outlet has other pages in the collection). Title accuracy: titles equal
after lower-casing and dropping punctuation, where the collection annotates them (L3S-GN1).
Dates: which source gave them, and on L3S-GN1 (collected December 2007 - January 2008) how many
fall in that window.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
import time
from collections import Counter, defaultdict
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks.aeb_metric import page_f1, paired_bootstrap, scores, shingle_matching  # noqa: E402

CORPORA = REPO.parent / "shared" / "corpora"
L3S_WINDOW = ("2007-11-01", "2008-03-01")  # the annotated texts date from Dec 2007 - Jan 2008
BARS = {"gain": 0.02, "title": 0.90, "aeb": 0.975}


# --- the pages ------------------------------------------------------------------------------------


def load_collection(name: str, split: str) -> list[dict]:
    """[{key, path, url, truth, title, collection}] of one collection (L3S-GN1: one split)."""
    if name == "aeb":
        truth = json.loads((CORPORA / "aeb" / "ground-truth.json").read_text(encoding="utf8"))
        return [{"key": k, "path": str(CORPORA / "aeb" / "html" / f"{k}.html.gz"), "url": None,
                 "truth": v.get("articleBody", ""), "title": None, "collection": "aeb"} for k, v in sorted(truth.items())]
    pages = []
    with open(CORPORA / "l3s-gn1" / "truth.jsonl", encoding="utf8") as f:
        for line in f:
            t = json.loads(line)
            if split == "all" or t["split"] == split:
                pages.append({"key": t["id"], "path": str(CORPORA / "l3s-gn1" / "html" / f"{t['id']}.html.gz"),
                              "url": t["url"], "truth": t["body"], "title": t["title"], "collection": "l3s-gn1"})
    return pages


def _saved_file_url(body: bytes, key: str) -> str:
    """The URL ``backfill --dir`` gives a saved file: its declared canonical, else a file:// URI."""
    from extractors.article import declared_canonical

    return declared_canonical(body) or f"file:///corpus/aeb/{key}.html"


def apply_settings(settings: list[str]) -> None:
    """``module.NAME=VALUE`` overrides of extractors' constants (``body.LOST_COVERAGE=0.3``), and
    ``body.SECOND_OPINION=off`` for the first extraction alone: how the rules were measured."""
    import importlib

    for item in settings:
        target, value = item.split("=", 1)
        module_name, name = target.rsplit(".", 1)
        module = importlib.import_module(f"extractors.{module_name}")
        if name == "SECOND_OPINION" and value == "off":
            module.choose_body = _first_only(module)
        elif isinstance(getattr(module, name), bool):  # bool("off") would be True
            setattr(module, name, value.lower() not in ("", "0", "off", "false", "no"))
        else:
            setattr(module, name, type(getattr(module, name))(value))


def _first_only(body):
    def choose(tree, url, structured_body, structured_from, read):
        return read(body.run_trafilatura(tree, url, body.FIRST_OPTIONS), "html")
    return choose


def run_page(page: dict) -> dict:
    """Both extractors on one page (in a worker process)."""
    import trafilatura

    apply_settings(page.get("settings", []))
    from extractors.article import extract_article
    from extractors.errors import ExtractorError

    with gzip.open(page["path"], "rb") as f:
        body = f.read()
    html = body.decode("utf-8", "replace")
    url = page["url"] or _saved_file_url(body, page["key"])
    out = {"key": page["key"], "traf": trafilatura.extract(html) or "", "structured": '"articleBody"' in html}
    try:
        art = extract_article(body, url=url)
        out.update(text=art.text, extracted=art.extracted_text, title=art.title, site=art.site, source=art.source,
                   names=list(getattr(art, "outlet_names", ())),
                   published=art.published_at.isoformat() if art.published_at else None,
                   date_source=getattr(art, "published_at_source", None),
                   body_source=getattr(art, "body_source", "html"), raw_title=_declared_title(html))
    except ExtractorError as err:
        out.update(text="", extracted="", title=None, site=None, source=None, published=None, date_source=None, names=[],
                   body_source="none", raw_title=None, error=str(err))
    out["leftovers"] = _leftover_lines(out["traf"])
    return out


def _declared_title(html: str) -> str | None:
    """The page's og:title, else its <title>, as written (for the title-suffix class)."""
    from lxml.html import fromstring

    try:
        tree = fromstring(html)
    except Exception:
        return None
    found = tree.xpath('//meta[@property="og:title"]/@content') or tree.xpath("//title/text()")
    return " ".join(str(found[0]).split()) if found else None


def _leftover_lines(text: str) -> int:
    """Lines of trafilatura's output that the issue-15 families would take (0 before they exist)."""
    try:
        from extractors.furniture import leftover_lines
    except ImportError:  # before issue 15
        return 0
    return leftover_lines(text)


def run_all(pages: list[dict], jobs: int) -> dict[str, dict]:
    if jobs <= 1:
        return {p["key"]: run_page(p) for p in pages}
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        return {out["key"]: out for out in pool.map(run_page, pages, chunksize=4)}


# --- site learning, as flows.refine.clean_sites does it -------------------------------------------


def stored_texts(outputs: dict[str, dict]) -> dict[str, str]:
    """Each page's text after learning every outlet's furniture from the collection's pages
    (``line_rows`` with the outlet's names, as flows/work.py is to call it: see the integration
    notes in docs/extraction.md)."""
    from extractors.clean import site_clean
    from extractors.sitelearn import build_profile, line_rows

    by_site: dict[str, list[str]] = defaultdict(list)
    for key, out in outputs.items():
        if out.get("site") and out["extracted"]:
            by_site[out["site"]].append(key)
    stored = {key: out["text"] for key, out in outputs.items()}
    for keys in by_site.values():
        profile = build_profile({k: line_rows(outputs[k]["extracted"], *([outputs[k]["names"]] if outputs[k].get("names") else []))
                                 for k in keys})
        for k in keys:
            stored[k] = site_clean(outputs[k]["extracted"], profile)[0]
    return stored


# --- figures --------------------------------------------------------------------------------------


def _norm_title(s: str | None) -> str:
    return re.sub(r"[\W_]+", " ", s or "").strip().lower()


def page_classes(page: dict, out: dict, outlet_size: Counter) -> set[str]:
    classes = set()
    if out["body_source"] not in ("html", "none"):
        classes.add("lost-body")  # the lost-body check fired (second opinion run, or structured body)
    if out["structured"]:
        classes.add("structured")
    if out.get("raw_title") and _norm_title(out["raw_title"]) != _norm_title(out["title"]):
        classes.add("title-suffix")
    if out["leftovers"]:
        classes.add("leftovers")
    if out.get("site") and outlet_size[out["site"]] >= 2:
        classes.add("outlet")
    return classes


def figures(pages: list[dict], outputs: dict[str, dict]) -> dict:
    stored = stored_texts(outputs)
    outlet_size = Counter(o["site"] for o in outputs.values() if o.get("site"))
    rows: dict[str, list] = {"trafilatura default": [], "chipwire page": [], "chipwire stored": []}
    by_class: dict[str, list[str]] = defaultdict(list)
    per_page = []
    for i, page in enumerate(pages):
        out = outputs[page["key"]]
        triples = {"trafilatura default": shingle_matching(page["truth"], out["traf"]),
                   "chipwire page": shingle_matching(page["truth"], out["text"]),
                   "chipwire stored": shingle_matching(page["truth"], stored[page["key"]])}
        for name, t in triples.items():
            rows[name].append(t)
        for c in page_classes(page, out, outlet_size):
            by_class[c].append(i)
        per_page.append({"key": page["key"], "traf": page_f1(triples["trafilatura default"]),
                         "ours": page_f1(triples["chipwire stored"]), "body_source": out["body_source"]})
    return {"rows": rows, "by_class": dict(by_class), "per_page": per_page,
            "titles": title_figures(pages, outputs), "dates": date_figures(pages, outputs),
            "body_sources": dict(Counter(o["body_source"] for o in outputs.values()))}


def title_figures(pages: list[dict], outputs: dict[str, dict]) -> dict | None:
    annotated = [p for p in pages if p["title"]]
    if not annotated:
        return None
    ours = sum(_norm_title(outputs[p["key"]]["title"]) == _norm_title(p["title"]) for p in annotated)
    # the annotators marked a deck under the headline as headline too: the title is its first part
    first_part = sum(_title_starts(outputs[p["key"]]["title"], p["title"]) for p in annotated)
    raw = sum(_norm_title(outputs[p["key"]].get("raw_title")) == _norm_title(p["title"]) for p in annotated)
    wrong = [(p["key"], outputs[p["key"]]["title"], p["title"]) for p in annotated
             if _norm_title(outputs[p["key"]]["title"]) != _norm_title(p["title"])]
    return {"annotated": len(annotated), "equal": ours, "accuracy": ours / len(annotated),
            "equal_or_first_part": first_part, "page_title_equal": raw, "wrong": wrong}


def _title_starts(ours: str | None, annotated: str) -> bool:
    a, b = _norm_title(ours), _norm_title(annotated)
    return bool(a) and (a == b or b.startswith(a + " "))


def date_figures(pages: list[dict], outputs: dict[str, dict]) -> dict:
    sources = Counter(outputs[p["key"]]["date_source"] or ("-" if outputs[p["key"]]["published"] else "none")
                      for p in pages)
    dated = [outputs[p["key"]]["published"] for p in pages if outputs[p["key"]]["published"]]
    result = {"sources": dict(sources), "dated": len(dated), "pages": len(pages)}
    if pages and pages[0]["collection"] == "l3s-gn1":
        result["in_window"] = sum(L3S_WINDOW[0] <= d[:10] < L3S_WINDOW[1] for d in dated)
    return result


def _fmt(s: dict) -> str:
    return f"{s['f1']:.4f}  {s['precision']:.4f}  {s['recall']:.4f}"


def print_collection(name: str, fig: dict, worst: int, titles_wrong: int = 0) -> dict:
    rows = fig["rows"]
    summary = {n: scores(t) for n, t in rows.items()}
    print(f"\n== {name}: {len(rows['chipwire stored'])} pages")
    print(f"{'':28}  F1      prec    recall")
    for n, s in summary.items():
        print(f"{n:28}  {_fmt(s)}")
    mean, ci = paired_bootstrap(rows["chipwire stored"], rows["trafilatura default"])
    print(f"  chipwire stored - trafilatura default: {mean:+.4f} ± {ci:.4f} (paired bootstrap, 95%)")
    print_classes(fig)
    print(f"  body sources: {dict(sorted(fig['body_sources'].items()))}")
    collapsed = [p for p in fig["per_page"] if p["traf"] >= 0.9 and p["ours"] < 0.5]
    print(f"  pages under 0.5 where trafilatura default reaches 0.9: {len(collapsed)}"
          + "".join(f"\n    {p['key']}  ours {p['ours']:.2f}  traf {p['traf']:.2f}  {p['body_source']}" for p in collapsed))
    print_titles_dates(fig)
    if worst:
        print_worst(fig["per_page"], worst)
    if titles_wrong and fig["titles"]:
        print_titles_wrong(fig["titles"]["wrong"], titles_wrong)
    return {"rows": summary, "collapsed": len(collapsed), "titles": fig["titles"], "dates": fig["dates"],
            "body_sources": fig["body_sources"],
            "classes": {c: len(ix) for c, ix in fig["by_class"].items()}, "gain": [mean, ci]}


def print_classes(fig: dict) -> None:
    print(f"  {'class':14} {'pages':>5}  traf F1  page F1  stored F1")
    for c in ("lost-body", "structured", "title-suffix", "leftovers", "outlet"):
        ix = fig["by_class"].get(c, [])
        if not ix:
            print(f"  {c:14} {0:5}")
            continue
        f = {n: scores([t[i] for i in ix])["f1"] for n, t in fig["rows"].items()}
        print(f"  {c:14} {len(ix):5}  {f['trafilatura default']:.4f}   {f['chipwire page']:.4f}   {f['chipwire stored']:.4f}")


def print_titles_dates(fig: dict) -> None:
    t, d = fig["titles"], fig["dates"]
    if t:
        print(f"  titles: {t['equal']}/{t['annotated']} equal after normalising ({t['accuracy']:.3f}); equal or the "
              f"annotation's first part (headline + deck annotated as one): {t['equal_or_first_part']}/{t['annotated']}; "
              f"the page's declared title as written: {t['page_title_equal']}/{t['annotated']}")
    line = f"  dates: {d['dated']}/{d['pages']} dated, by source {dict(sorted(d['sources'].items()))}"
    if "in_window" in d:
        line += f"; in the collection window {L3S_WINDOW}: {d['in_window']}/{d['dated']}"
    print(line)


def print_worst(per_page: list[dict], n: int) -> None:
    print(f"  worst {n} pages against trafilatura default (ours - traf):")
    for p in sorted(per_page, key=lambda p: p["ours"] - p["traf"])[:n]:
        print(f"    {p['key']}  ours {p['ours']:.3f}  traf {p['traf']:.3f}  {p['body_source']}")


def print_titles_wrong(wrong: list[tuple], n: int) -> None:
    """The title misses: page id, our title, the annotation."""
    print(f"  title misses ({min(n, len(wrong))} of {len(wrong)}): page id / ours / annotated")
    for key, ours, annotated in wrong[:n]:
        print(f"    {key}\n      ours: {ours!r}\n      ann:  {annotated!r}")


# --- time -------------------------------------------------------------------------------------------


def timing(repeats: int = 3) -> dict:
    """Per-page extract_article time on AEB, one process, the minimum of ``repeats`` passes."""
    from extractors.article import extract_article
    from extractors.errors import ExtractorError

    pages = load_collection("aeb", "all")
    bodies = []
    for p in pages:
        with gzip.open(p["path"], "rb") as f:
            body = f.read()
        bodies.append((body, _saved_file_url(body, p["key"])))
    extract_article(bodies[0][0], url=bodies[0][1])  # imports, language model
    passes = []
    for _ in range(repeats):
        started = time.process_time()
        for body, url in bodies:
            try:
                extract_article(body, url=url)
            except ExtractorError:
                pass
        passes.append((time.process_time() - started) / len(bodies))
    return {"pages": len(bodies), "passes_ms": [round(1000 * p, 2) for p in passes], "min_ms": round(1000 * min(passes), 2)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", choices=["tune", "test", "all"], default="tune", help="L3S-GN1's part")
    parser.add_argument("--collection", choices=["aeb", "l3s-gn1", "both"], default="both")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--worst", type=int, default=0, help="list the N pages that lose most to trafilatura")
    parser.add_argument("--titles-wrong", type=int, default=0, metavar="N",
                        help="list N title misses (page id, our title, the annotation) on the chosen split")
    parser.add_argument("--timing", action="store_true", help="only the per-page time on AEB (one process)")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON")
    parser.add_argument("--set", action="append", default=[], metavar="MODULE.NAME=VALUE",
                        help="override a rule's constant, e.g. body.LOST_COVERAGE=0.3, or body.SECOND_OPINION=off")
    args = parser.parse_args(argv)
    if args.timing:
        result = timing()
        print(f"extract_article on AEB, one process, CPU time a page: min {result['min_ms']} ms of "
              f"3 passes {result['passes_ms']} over {result['pages']} pages")
        return 0
    import trafilatura

    print(f"trafilatura {trafilatura.__version__}; L3S-GN1 split: {args.split}"
          + (f"; settings: {', '.join(args.set)}" if args.set else ""))
    report, ok = {}, True
    names = ["aeb", "l3s-gn1"] if args.collection == "both" else [args.collection]
    for name in names:
        if not (CORPORA / name).is_dir():
            print(f"no {name} at {CORPORA / name}: skipped")
            continue
        pages = [dict(p, settings=args.set) for p in load_collection(name, args.split)]
        started = time.perf_counter()
        fig = figures(pages, run_all(pages, args.jobs))
        label = name if name == "aeb" else f"{name} ({args.split})"
        report[label] = print_collection(label, fig, args.worst, args.titles_wrong)
        ok &= check_bars(name, report[label])
        print(f"  ({time.perf_counter() - started:.0f} s)")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, default=str), encoding="utf8")
    return 0 if ok else 1


def check_bars(name: str, r: dict) -> bool:
    stored, traf = r["rows"]["chipwire stored"]["f1"], r["rows"]["trafilatura default"]["f1"]
    checks = [("no collapsed page", r["collapsed"] == 0)]
    if name == "aeb":
        checks.append((f"F1 >= {BARS['aeb']}", stored >= BARS["aeb"]))
    else:
        checks.append((f"F1 >= trafilatura + {BARS['gain']}", stored >= traf + BARS["gain"]))
    if r["titles"]:
        checks.append((f"titles >= {BARS['title']}", r["titles"]["accuracy"] >= BARS["title"]))
    print("  bars: " + ", ".join(f"{c}: {'PASS' if ok else 'FAIL'}" for c, ok in checks))
    return all(ok for _, ok in checks)


if __name__ == "__main__":
    sys.exit(main())

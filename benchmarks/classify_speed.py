"""How fast classify() is, and what the model costs a process in memory.

    python benchmarks/classify_speed.py [--repeat 5] [--corpus DIR]

Speed: classify() over every dev-set article (full articles, 150-500 words), over long
articles (four dev articles of one language joined, ~950 words) and, when the news-labelled
corpus is here, its documents (opening paragraphs), in one process, each pass
timed whole; the machine is shared, so the pass is repeated and the best (minimum) taken.
Also the same for terms alone (model=None), to show what the model adds.

Memory: the model's arrays (bytes), and the resident set size (VmRSS) of a fresh Python
process before and after it imports the classifier and loads the taxonomy and the model and
classifies one article, with whether scikit-learn (or scipy) got imported (it must not).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.split_news import CORPUS  # noqa: E402
from extractors.classify import DEFAULT, classify  # noqa: E402
from extractors.corpus import parse_devset_article, parse_news_jsonl  # noqa: E402
from extractors.model import load_default_model  # noqa: E402
from extractors.taxonomy import load_taxonomy  # noqa: E402

_PROBE = r"""
import json, sys
def rss():
    for line in open('/proc/self/status'):
        if line.startswith('VmRSS'):
            return int(line.split()[1]) * 1024
base = rss()
from extractors.classify import classify
from extractors.taxonomy import load_taxonomy
imported = rss()
tax = load_taxonomy()
classify('US export controls', 'The US tightened export controls on Nvidia chips to China.', 'en', tax, model=None)
terms_only = rss()
c = classify('US export controls', 'The US tightened export controls on Nvidia chips to China.', 'en', tax)
print(json.dumps({"python": base, "imported": imported, "terms_loaded": terms_only, "model_loaded": rss(),
                  "method": c.method, "sklearn": "sklearn" in sys.modules, "scipy": "scipy" in sys.modules}))
"""


def best_ms(docs, taxonomy, model, repeat: int) -> float:
    """Minimum over `repeat` passes of the mean milliseconds per article."""
    classify(docs[0][0], docs[0][1], docs[0][2], taxonomy, model=model)
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        for title, text, lang in docs:
            classify(title, text, lang, taxonomy, model=model)
        best = min(best, (time.perf_counter() - t0) / len(docs))
    return 1000 * best


def memory() -> dict:
    out = subprocess.run([sys.executable, "-c", _PROBE], cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--corpus", type=Path, default=CORPUS)
    args = ap.parse_args(argv)
    taxonomy = load_taxonomy()
    sets = {"dev set (full articles)": [(d.title, d.text, d.lang) for d in (
        parse_devset_article(f.read_text(encoding="utf-8"), f.name) for f in sorted((ROOT / "tests" / "devset" / "articles").glob("*.txt")))]}
    by_lang: dict[str, list] = {}
    for doc in sets["dev set (full articles)"]:
        by_lang.setdefault(doc[2], []).append(doc)
    sets["long (dev articles joined in fours)"] = [(g[i][0], "\n".join(d[1] for d in g[i : i + 4]), g[i][2])
                                                   for g in by_lang.values() for i in range(0, len(g) - 3, 4)]
    news = args.corpus / "news.jsonl"
    if news.is_file():
        sets["news-labelled (openings)"] = [(d.title, d.text, d.lang) for d in parse_news_jsonl(news.read_text(encoding="utf-8"))]
    for name, docs in sets.items():
        words = sum(len(t.split()) for _, t, _ in docs) / len(docs)
        print(f"{name}: {len(docs)} articles, ~{words:.0f} whitespace words each")
        print(f"  model + terms   {best_ms(docs, taxonomy, DEFAULT, args.repeat):6.2f} ms/article (best of {args.repeat})")
        print(f"  terms alone     {best_ms(docs, taxonomy, None, args.repeat):6.2f} ms/article (best of {args.repeat})")
    model = load_default_model()
    mem = memory()
    mb = lambda b: f"{b / 2**20:.1f} MiB"  # noqa: E731
    print(f"model arrays: {mb(model.nbytes())} ({len(model.arrays['body_vocab']) + len(model.arrays['title_vocab'])} n-grams, "
          f"{len(model.themes)} themes), file {mb((ROOT / 'extractors' / 'models' / 'classifier.npz').stat().st_size)}")
    print(f"fresh process RSS: python {mb(mem['python'])}, after imports {mb(mem['imported'])}, taxonomy and one "
          f"article by terms {mb(mem['terms_loaded'])}, with the model loaded {mb(mem['model_loaded'])} "
          f"(+{mb(mem['model_loaded'] - mem['terms_loaded'])}); method {mem['method']}; "
          f"scikit-learn imported: {mem['sklearn']}, scipy imported: {mem['scipy']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""A synthetic but realistically shaped warehouse for measuring the report (and anything else
that reads many articles): N articles (default 50,000) over two years, written with DuckDB into
the warehouse's own schema (``Warehouse.migrate()`` first, then Arrow batches).

    python benchmarks/report_warehouse.py /tmp/report50k.duckdb              # 50,000 articles
    python benchmarks/report_warehouse.py /tmp/r.duckdb --articles 200000 --seed 7

The shape follows what real feeds on the topic look like, not uniform noise:

- 40 outlets with Zipf-distributed volume (a few wires and trade sites carry most articles), each
  with its own language (en, zh, de, fr, ja, es) and its own share of on-topic articles
  (specialist sites 70-90 %, general news 10-30 %);
- publication times over 104 weeks with fewer articles at weekends, a slow rise, and bursts in
  the weeks of big events (a new rule, a ban, a smuggling case), where some themes jump;
- relevant articles carry 1-3 themes (the event's themes more likely during its burst) and 2-8
  entities drawn from the shipped gazetteer (deploy/entities.toml) with Zipf weights per kind;
- stories: most articles stand alone; a story's copies (1 to ~30, power law) appear at other
  outlets within hours to days (log-normal delay);
- 48 feeds (mostly healthy, some failing or backing off) and failures with the reasons and
  stages real runs record (HTTP 404/403/5xx, timeouts, robots, not HTML, not an article ...).

Deterministic for a given --seed and --articles. Texts are short fillers: the report never reads
them.
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import time
import tomllib
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pyarrow as pa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from warehouse.db import Warehouse  # noqa: E402

START = datetime(2024, 1, 1, tzinfo=timezone.utc)
WEEKS = 104
THEMES = ["export_controls", "smuggling_enforcement", "offshore_compute", "compliant_chips",
          "domestic_chips", "market_impact", "ai_efficiency", "geopolitics"]
BASE_THEME_WEIGHTS = [10, 3, 2, 3, 5, 6, 2, 7]
# (week, weeks it lasts, extra volume, themes it lifts)
EVENTS = [(2, 2, 1.8, ["export_controls", "geopolitics"]), (20, 3, 1.5, ["smuggling_enforcement"]),
          (54, 3, 2.5, ["ai_efficiency", "market_impact", "domestic_chips"]),
          (55, 2, 2.0, ["export_controls", "offshore_compute"]),
          (66, 4, 2.2, ["compliant_chips", "market_impact"]), (80, 3, 1.7, ["compliant_chips", "geopolitics"]),
          (92, 2, 1.6, ["smuggling_enforcement", "export_controls"])]
LANGS = ["en"] * 24 + ["zh"] * 7 + ["de"] * 3 + ["fr"] * 2 + ["ja"] * 2 + ["es"] * 2
FAILURE_REASONS = [("fetch", "HTTP 404", False, 40), ("fetch", "HTTP 403", False, 15),
                   ("fetch", "HTTP 503", True, 5), ("fetch", "timeout (ServerTimeoutError)", True, 10),
                   ("fetch", "connection failed: ClientConnectorError: Cannot connect to host", True, 8),
                   ("robots", "disallowed by robots.txt", False, 10), ("fetch", "not HTML: content-type application/pdf", False, 5),
                   ("extract", "not an article: too little text", False, 10), ("fetch", "too large: over 5,000,000 bytes (cap)", False, 2),
                   ("feed", "not a feed: content-type text/html", False, 1), ("refused", "address not allowed: 10.0.0.7", False, 1)]


def zipf_weights(n: int, s: float = 1.1) -> list[float]:
    return [1.0 / (k ** s) for k in range(1, n + 1)]


def gazetteer() -> dict[str, list[str]]:
    data = tomllib.loads((ROOT / "deploy" / "entities.toml").read_text(encoding="utf-8"))
    return {kind: list(names) for kind, names in data.items() if kind != "ignore" and isinstance(names, dict)}


def outlets(rng: random.Random, n: int = 40) -> list[dict]:
    out = []
    for i, weight in enumerate(zipf_weights(n)):
        specialist = i >= 2 and rng.random() < 0.5  # the two largest are general news wires
        out.append({"name": f"Outlet {i + 1:02d}", "site": f"outlet{i + 1:02d}.example", "weight": weight,
                    "language": LANGS[i % len(LANGS)], "on_topic": rng.uniform(0.7, 0.9) if specialist else rng.uniform(0.1, 0.3)})
    return out


def week_volume(week: int) -> float:
    lift = sum(extra for start, length, extra, _ in EVENTS if start <= week < start + length)
    return (1.0 + 0.5 * week / WEEKS) * (1.0 + lift)


def pick_time(rng: random.Random, weeks: list[float]) -> tuple[datetime, int]:
    week = rng.choices(range(WEEKS), weights=weeks)[0]
    day = rng.choices(range(7), weights=[1.3, 1.3, 1.3, 1.3, 1.2, 0.5, 0.4])[0]
    at = START + timedelta(weeks=week, days=day, seconds=rng.randint(5 * 3600, 22 * 3600))
    return at, week


def themes_for(rng: random.Random, week: int) -> list[tuple[str, float]]:
    weights = list(BASE_THEME_WEIGHTS)
    for start, length, _, lifted in EVENTS:
        if start <= week < start + length:
            for theme in lifted:
                weights[THEMES.index(theme)] *= 4
    count = rng.choices([1, 2, 3], weights=[5, 3, 1])[0]
    chosen: list[str] = []
    while len(chosen) < count:
        theme = rng.choices(THEMES, weights=weights)[0]
        if theme not in chosen:
            chosen.append(theme)
    return [(theme, round(rng.uniform(0.9, 1.0) if i == 0 else rng.uniform(0.2, 0.85), 3)) for i, theme in enumerate(chosen)]


def entities_for(rng: random.Random, names: dict[str, list[str]], relevant: bool) -> list[tuple[str, str, int]]:
    kinds = ["company", "chip", "agency", "rule", "country", "person"]
    kind_weights = [6, 4, 2, 2, 5, 1]
    count = rng.randint(2, 8) if relevant else rng.randint(0, 3)
    found: dict[tuple[str, str], int] = {}
    for _ in range(count):
        kind = rng.choices(kinds, weights=kind_weights)[0]
        pool = names.get(kind) or []
        if pool:
            entity = rng.choices(pool, weights=zipf_weights(len(pool), 1.2))[0]
            found[(entity, kind)] = found.get((entity, kind), 0) + rng.randint(1, 6)
    return [(e, k, m) for (e, k), m in found.items()]


def hexid(rng: random.Random) -> str:
    return f"{rng.getrandbits(80):020x}"


def build(path: Path, n: int, seed: int) -> dict[str, int]:
    rng = random.Random(seed)
    names = gazetteer()
    sites = outlets(rng)
    weeks = [week_volume(w) for w in range(WEEKS)]
    articles, themes, entities = [], [], []
    made = 0
    while made < n:
        outlet = rng.choices(sites, weights=[s["weight"] for s in sites])[0]
        at, week = pick_time(rng, weeks)
        relevant = rng.random() < outlet["on_topic"]
        copies = 1
        if relevant and rng.random() < 0.12:  # a story others pick up
            copies = min(1 + int(rng.paretovariate(1.4)), n - made)
            while copies > 30:  # resampled, not capped: no pile-up at the cap
                copies = min(1 + int(rng.paretovariate(1.4)), n - made)
        story = hexid(rng)
        story_themes = themes_for(rng, week) if relevant else []
        story_entities = entities_for(rng, names, relevant)
        carriers = [outlet] + rng.sample([s for s in sites if s is not outlet], min(copies - 1, len(sites) - 1))
        for i, carrier in enumerate(carriers):
            aid = story if i == 0 else hexid(rng)
            published = at if i == 0 else at + timedelta(hours=rng.lognormvariate(2.0, 1.2))
            stored = published + timedelta(minutes=rng.randint(5, 240))
            articles.append(_article(rng, aid, story, carrier, published, stored, relevant, story_themes, i))
            themes += [{"article_id": aid, "theme": t, "score": s, "evidence": "…", "classifier_version": "synthetic"}
                       for t, s in story_themes]
            entities += [{"article_id": aid, "entity": e, "kind": k, "mentions": m} for e, k, m in story_entities]
            made += 1
    wh = Warehouse(path)
    wh.migrate()
    with wh.transaction() as con:
        _insert(con, "articles", articles)
        _insert(con, "article_themes", themes)
        _insert(con, "article_entities", entities)
        _insert(con, "feeds", _feeds(rng, sites))
        _insert(con, "failures", _failures(rng, sites, max(200, n // 20)))
    wh.checkpoint()
    return {"articles": len(articles), "article_themes": len(themes), "article_entities": len(entities)}


def _article(rng, aid, story, outlet, published, stored, relevant, story_themes, copy) -> dict:
    return {"article_id": aid, "url": f"https://{outlet['site']}/news/{aid}.html",
            "canonical_url": f"https://{outlet['site']}/news/{aid}.html", "source": outlet["name"],
            "site": outlet["site"], "feed_url": f"https://{outlet['site']}/feed.xml",
            "title": f"{'Report' if copy == 0 else 'Copy'} {aid[:6]}: chips, rules and markets",
            "published_at": published, "fetched_at": stored, "first_seen_at": stored, "updated_at": stored,
            "language": outlet["language"], "text": "Synthetic filler text.", "word_count": rng.randint(200, 1500),
            "relevance": rng.uniform(0.5, 1.0) if relevant else rng.uniform(0.0, 0.5), "is_relevant": relevant,
            "primary_theme": story_themes[0][0] if story_themes else None, "cluster_id": story,
            "classifier_version": "synthetic"}


def _feeds(rng: random.Random, sites: list[dict]) -> list[dict]:
    rows = []
    for i in range(48):
        site = sites[i % len(sites)]
        url = f"https://{site['site']}/feed.xml" if i < len(sites) else f"https://{site['site']}/extra{i}.xml"
        health = rng.choices(["ok", "failing", "backing off"], weights=[85, 10, 5])[0]
        streak = 0 if health == "ok" else rng.randint(1, 2) if health == "failing" else rng.randint(3, 40)
        polls = rng.randint(2000, 3500)
        rows.append({"feed_url": url, "name": None, "title": f"{site['name']} feed {i}", "format": "rss20",
                     "last_polled_at": START + timedelta(weeks=WEEKS), "last_status": 200 if streak == 0 else rng.choice([404, 500, 503]),
                     "consecutive_errors": streak, "error_count": streak + int(polls * rng.uniform(0, 0.05)),
                     "poll_count": polls, "entries_seen": rng.randint(10, 50),
                     "last_error": None if streak == 0 else "HTTP 503"})
    return rows


def _failures(rng: random.Random, sites: list[dict], count: int) -> list[dict]:
    rows = []
    for i in range(count):
        stage, reason, transient, _ = rng.choices(FAILURE_REASONS, weights=[r[3] for r in FAILURE_REASONS])[0]
        site = rng.choice(sites)
        at = START + timedelta(minutes=rng.randint(0, WEEKS * 7 * 24 * 60))
        rows.append({"url": f"https://{site['site']}/gone/{i}.html", "stage": stage, "reason": reason,
                     "occurred_at": at, "attempts": rng.randint(1, 5) if transient else 1,
                     "first_failed_at": at - timedelta(hours=rng.randint(0, 48)), "transient": transient})
    return rows


def _insert(con, table: str, rows: list[dict]) -> None:
    if not rows:
        return
    batch = pa.Table.from_pylist(rows)
    con.register("synthetic_batch", batch)
    try:
        cols = ", ".join(batch.column_names)
        con.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM synthetic_batch")
    finally:
        con.unregister("synthetic_batch")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("db", type=Path, help="warehouse file to create (must not exist)")
    ap.add_argument("--articles", type=int, default=50_000)
    ap.add_argument("--seed", type=int, default=16)
    args = ap.parse_args()
    if args.db.exists():
        sys.exit(f"{args.db}: exists; give a new file")
    started = time.monotonic()
    counts = build(args.db, args.articles, args.seed)
    print(f"{args.db}: {counts} in {time.monotonic() - started:.1f} s")


if __name__ == "__main__":
    main()

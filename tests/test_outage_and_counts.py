"""An outage is not a broken feed, and a run's counters count that run's work.

Real `chipwire` processes against loopback sites: offline (every feed's port closed), three
runs in a row say the network looks down and leave feed health as it was, so once the sites
answer again the next run polls every feed; `--now` polls a feed that is backing off; the
summary and the `runs` row count what this run classified and found relevant, a 404 feed's
status is kept, `reextract` reports pages to extract (not to fetch), and an empty sources file
or folder is refused before anything starts.
"""

from __future__ import annotations


import pytest

from flows.demo.run import write_demo_sources
from flows.demo.server import LoopbackSites, Site, bundled_sites

from tests.pages import chipwire_process as chipwire
from tests.pages import warehouse_rows as q

pytestmark = pytest.mark.prefect


def test_an_offline_run_is_an_outage_not_broken_feeds(tmp_path, cli_env):
    sites = bundled_sites()
    with LoopbackSites(sites):
        sources = write_demo_sources(sites, tmp_path / "sources.toml")
        ports = {name: site.server.server_address[1] for name, site in sites.items()}
    db = tmp_path / "data" / "w.duckdb"
    ingest = ["ingest", "--sources", str(sources), "--db", str(db), "--no-progress"]
    for _ in range(3):  # every site is down: three runs, as a schedule would make them
        run = chipwire(cli_env, *ingest)
        assert run.returncode == 0, run.stderr[-2000:]
        assert "4 of 4 feeds unreachable: connection refused — is the network up?" in run.stdout, run.stdout
    assert q(db, "select max(consecutive_errors), count(next_poll_at), count(*) from feeds") == [(0, 0, 4)]
    assert q(db, "select count(*) from failures where stage = 'feed'") == [(0,)]
    assert q(db, "select count(*) from frontier where attempts > 0") == [(0,)]  # pages were not tried
    assert q(db, "select feeds_unreachable, feeds_failed, pages_fetched from runs order by started_at limit 1") \
        == [(4, 0, 0)]
    for name, site in sites.items():  # the network is back, on the same ports
        site.port = ports[name]
    with LoopbackSites(sites):
        back = chipwire(cli_env, *ingest)
    assert back.returncode == 0, back.stderr[-2000:]
    assert "unreachable" not in back.stdout
    assert q(db, "select count(*) from articles") == [(19,)]  # nothing was left backing off


def test_now_polls_a_feed_that_is_backing_off(tmp_path, cli_env):
    broken = Site(prefix="/b")
    broken.routes["/b/feed.xml"] = lambda h: (500, {"Content-Type": "text/plain"}, b"down")
    demo = bundled_sites()
    db = tmp_path / "data" / "w.duckdb"
    with LoopbackSites({**demo, "broken": broken}):
        sources = write_demo_sources(demo, tmp_path / "sources.toml")
        with open(sources, "a") as f:
            f.write(f'\n[[feeds]]\nurl = "{broken.url("feed.xml")}"\n')
        ingest = ["ingest", "--sources", str(sources), "--db", str(db), "--no-progress"]
        for _ in range(3):  # one feed of five fails: that feed is broken, not the network
            assert chipwire(cli_env, *ingest).returncode == 0
        polls = broken.hits["/b/feed.xml"]
        assert q(db, f"select health from feed_health where feed_url = '{broken.url('feed.xml')}'") == [("backing off",)]
        assert chipwire(cli_env, *ingest).returncode == 0
        assert broken.hits["/b/feed.xml"] == polls  # backing off: not polled
        now = chipwire(cli_env, *ingest, "--now")
        assert now.returncode == 0
        assert broken.hits["/b/feed.xml"] > polls  # --now: polled all the same
    assert "feeds failed" in now.stdout and q(db, "select last_status from feed_health where last_status = 500") \
        == [(500,)]


def test_counters_count_this_runs_work(tmp_path, cli_env):
    demo = bundled_sites()
    gone = Site(prefix="/gone")
    gone.routes["/gone/feed.xml"] = lambda h: (404, {"Content-Type": "text/plain"}, b"no such feed")
    db = tmp_path / "data" / "w.duckdb"
    with LoopbackSites({**demo, "gone": gone}):
        sources = write_demo_sources(demo, tmp_path / "sources.toml")
        with open(sources, "a") as f:
            f.write(f'\n[[feeds]]\nurl = "{gone.url("feed.xml")}"\n')
        ingest = ["ingest", "--sources", str(sources), "--db", str(db), "--no-progress"]
        first = chipwire(cli_env, *ingest)
        second = chipwire(cli_env, *ingest)
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    relevant = q(db, "select count(*) from articles where is_relevant")[0][0]
    runs = q(db, "select articles_new, articles_classified, articles_relevant from runs order by started_at")
    assert runs == [(19, 19, relevant), (0, 0, 0)]  # the second run classified nothing new
    assert q(db, f"select last_status from feed_health where feed_url = '{gone.url('feed.xml')}'") == [(404,)]
    redo = chipwire(cli_env, "reextract", "--db", str(db), "--no-progress")
    assert redo.returncode == 0, redo.stderr[-2000:]
    assert "pages to fetch" not in redo.stdout and "pages to extract again" in redo.stdout
    assert q(db, "select pages_requeued, pages_queued from runs where flow = 'reextract'") == [(19, 0)]


@pytest.mark.parametrize("what", ["empty sources file", "sources without feeds or pages", "empty folder"])
def test_nothing_to_do_is_said_before_anything_starts(tmp_path, cli_env, what):
    db = tmp_path / "data" / "w.duckdb"
    if what == "empty folder":
        (tmp_path / "saved").mkdir()
        (tmp_path / "saved" / "notes.md").write_text("not an article")
        done = chipwire(cli_env, "backfill", "--dir", str(tmp_path / "saved"), "--db", str(db), timeout=60)
        expected = "no .html, .htm or .txt files"
    else:
        sources = tmp_path / "sources.toml"
        sources.write_text("" if what == "empty sources file" else "[fetch]\nper_host_delay = 1\n")
        done = chipwire(cli_env, "ingest", "--sources", str(sources), "--db", str(db), timeout=60)
        expected = "no [[feeds]] or [[pages]] to ingest"
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0], done.stderr
    assert not db.exists()  # nothing was started, not even the warehouse

"""Portal benchmark (政务公开, issue 18): the public list and record pages with and without the page cache, against
the bare-Django floor; and the public search's latency.

Usage (under the benchmark lock, on the Jiading world):
  flock /tmp/bench.lock .venv/bin/python bench/portal.py --world /tmp/jiading/jishi.sqlite3 [--duration 10]

It benchmarks a copy of the world file. If the world has no publications yet, it publishes what is due first
(portal.publication.publish_due, as the worker would).
  1. search: portal.selectors.search in this process, for words picked from the published text banded by how many
     records (any, in the index) contain them — rare, ~0.1 %, ~1 %, very common, one character — plus citizens'
     names that the redaction removed (they must find nothing, and the verification walk is their cost);
     each searched twice (a cold and a warm run); p50/p95/max wall time. Target p95 ≤ 100 ms.
  2. HTTP: gunicorn, 2 sync workers (bench/portal_settings.py), wrk -t2 -c16 (bench/load.py's wrk()):
     the front page /public/, record pages /public/records/<id>/ over the newest 200 live publications, and the
     floor (a bare Django view listing 20 rows, bench/floor_urls.py) — once with the page cache (served from it after
     the warm-up; target ≥ 1,000 req/s) and once with JISHI_PORTAL_PAGE_CACHE=0 (every hit renders; target ≥ 40 % of
     the floor measured in the same server).
The load generator shares the two cores with the server: the figures are lower bounds.
"""

from __future__ import annotations

import argparse
import collections
import os
import random
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.load import Surface, wrk  # noqa: E402
from bench.openloop import Request  # noqa: E402

BANDS = [
    ("rare (<0.02%)", 0.0, 0.0002),
    ("~0.1%", 0.0005, 0.002),
    ("~1%", 0.005, 0.02),
    ("very common (>10%)", 0.10, 1.0),
]


def pick_terms(per_band: int) -> dict[str, list[str]]:
    """Two-character words of the published text, banded by their share of all records (the index's count)."""
    from jishi.portal.models import Publication
    from jishi.records.models import WorkRecord
    from jishi.search.selectors import match_estimate
    from jishi.search.terms import parse_query

    rng = random.Random(11)
    total = WorkRecord.objects.count()
    texts = list(Publication.objects.live().order_by("?").values_list("content_redacted", flat=True)[:2000])
    counts: collections.Counter[str] = collections.Counter()
    for text in texts:
        runs = "".join(ch if "\u4e00" <= ch <= "\u9fff" else " " for ch in re.sub(r"【[^】]*】", " ", text)).split()
        counts.update({run[i : i + 2] for run in runs for i in range(len(run) - 1)})
    candidates = [w for w, _ in counts.most_common()]
    rng.shuffle(candidates)
    banded: dict[str, list[str]] = {name: [] for name, _, _ in BANDS}
    for word in ["会议", *candidates]:
        if all(len(v) >= per_band for v in banded.values()):
            break
        share = match_estimate(parse_query(word), cap=total) / max(total, 1)
        for name, low, high in BANDS:
            if low < share <= high and len(banded[name]) < per_band and word not in banded[name]:
                banded[name].append(word)
    banded["one character"] = ["会", "村", "审", "税", "桥"][:per_band]
    return banded


def redacted_names(limit: int) -> list[str]:
    """Citizens' names the redaction removed: in the original of a published record, absent from its public text."""
    from jishi.portal.models import Publication

    names: list[str] = []
    for publication in Publication.objects.live().filter(redactions__has_key="name").select_related("record")[:400]:
        original = publication.record.content
        for match in re.finditer(r"(?:村民|居民|群众|老人|户主|来访人|当事人|申请人)([\u4e00-\u9fff]{2,3})", original):
            name = match.group(1)
            if name not in publication.content_redacted and name not in names:
                names.append(name)
        if len(names) >= limit:
            break
    return names[:limit]


def time_search(terms: dict[str, list[str]]) -> None:
    from jishi.portal import selectors

    print("public search (portal.selectors.search, in process), ms — cold then warm run per word")
    print(f"{'band':<22}{'words':>6}{'p50':>8}{'p95':>8}{'max':>8}{'hits/page':>10}")
    everything: list[float] = []
    for band, words in terms.items():
        times: list[float] = []
        hits: list[int] = []
        for word in words:
            for _ in range(2):
                started = time.perf_counter()
                found = selectors.search(word)
                times.append((time.perf_counter() - started) * 1000)
            hits.append(len(found.hits))
        everything += times
        if times:
            p95 = statistics.quantiles(times, n=20)[-1] if len(times) > 1 else times[0]
            print(
                f"{band:<22}{len(words):>6}{statistics.median(times):>8.1f}{p95:>8.1f}{max(times):>8.1f}"
                f"{statistics.mean(hits):>10.1f}  {' '.join(words[:6])}"
            )
    p95 = statistics.quantiles(everything, n=20)[-1]
    median, worst = statistics.median(everything), max(everything)
    print(f"{'all':<22}{'':>6}{median:>8.1f}{p95:>8.1f}{worst:>8.1f}  target p95 ≤ 100")


def serve(port: int, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi:application", "-w", "2", "-b", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stderr=log.open("w"),
    )
    for _ in range(150):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/floor/list", timeout=2)
            return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit(f"the server did not start: see {log}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--world", required=True, help="SQLite demo world to copy")
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--words", type=int, default=8, help="words per search band")
    parser.add_argument("--skip-http", action="store_true")
    args = parser.parse_args()
    if shutil.which("wrk") is None and not args.skip_http:
        sys.exit("wrk is missing: apt-get install -y wrk")

    workdir = Path(tempfile.mkdtemp(prefix="jishi-portal-"))
    copy = workdir / "world.sqlite3"
    shutil.copy(args.world, copy)
    os.environ.update(
        DATABASE_URL=f"sqlite:///{copy}",
        DJANGO_SETTINGS_MODULE="bench.portal_settings",
        JISHI_DATA_DIR=str(workdir),
        JISHI_SECRET_KEY=secrets.token_urlsafe(50),
        JISHI_ALLOWED_HOSTS="127.0.0.1",
        JISHI_SECURE_COOKIES="0",
        JISHI_SSL_REDIRECT="0",
    )
    import django

    django.setup()
    from django.db import connection

    from jishi.portal.models import Publication
    from jishi.records.models import WorkRecord

    subprocess.run([sys.executable, "-m", "jishi", "migrate", "--no-input", "-v0"], check=True, cwd=ROOT)
    if not Publication.objects.exists():
        from jishi.portal.publication import publish_due

        started = time.perf_counter()
        count = publish_due()
        print(f"published {count:,} due records first ({time.perf_counter() - started:.1f} s)")
    records = WorkRecord.objects.count()
    live = Publication.objects.live().count()
    print(f"Jishi portal benchmark — {connection.vendor}, {records:,} records, {live:,} live publications")

    time_search({**pick_terms(args.words), "redacted names": redacted_names(args.words)})
    if args.skip_http:
        return
    ids = list(Publication.objects.live().order_by("-date", "-id").values_list("record_id", flat=True)[:200])
    connection.close()

    def front(n: int) -> Request:
        return Request("GET", "/public/", "", {})

    def record(n: int) -> Request:
        return Request("GET", f"/public/records/{ids[n % len(ids)]}/", "", {})

    def floor(n: int) -> Request:
        return Request("GET", "/floor/list", "", {})

    def floor_page(n: int) -> Request:
        return Request("GET", "/floor/page", "", {})

    print(f"\nHTTP — gunicorn 2 sync workers, wrk -t2 -c16 -d{args.duration}s (3 s warm-up each)")
    print(f"{'surface':<34}{'req/s':>8}{'errors':>8}{'p50 ms':>8}{'p99 ms':>8}  target")
    for cached in (True, False):
        env = {**os.environ, "JISHI_PORTAL_PAGE_CACHE": "1" if cached else "0"}
        server = serve(args.port, env, workdir / f"gunicorn-{int(cached)}.log")
        mode = "cached" if cached else "uncached"
        try:
            results = {}
            surfaces = [
                Surface(f"front page /public/ ({mode})", "≥ 1,000" if cached else "≥ 40 % of floor", front),
                Surface(f"record pages ×200 ({mode})", "≥ 1,000" if cached else "≥ 40 % of floor", record),
                Surface("floor: bare list of 20", "", floor),
                Surface("floor: bare HTML page of 20", "", floor_page),
            ]
            for surface in surfaces:
                wrk(args.port, surface, 3, workdir)
                top = wrk(args.port, surface, args.duration, workdir)
                results[surface.name] = top["rps"]
                print(
                    f"{surface.name:<34}{top['rps']:>8.0f}{top['errors']:>8}{top['p50']:>8.1f}{top['p99']:>8.1f}"
                    f"  {surface.target}",
                    flush=True,
                )
            if not cached:
                floor_rps, page_rps = results["floor: bare list of 20"], results["floor: bare HTML page of 20"]
                for name, rps in results.items():
                    if not name.startswith("floor"):
                        print(
                            f"  {name}: {100 * rps / floor_rps:.0f} % of the floor, "
                            f"{100 * rps / page_rps:.0f} % of the HTML page floor"
                        )
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
    shutil.rmtree(workdir)


if __name__ == "__main__":
    main()

"""HTTP benchmark: Jishi behind gunicorn (2 sync workers) on 127.0.0.1, driven by wrk and an open-loop client.

Usage:
  .venv/bin/python bench/load.py --world /tmp/jiading/jishi.sqlite3      SQLite: benchmarks a copy of that file
  DATABASE_URL=postgres://postgres@127.0.0.1:5432/jishi_jiading .venv/bin/python bench/load.py
                                                                            PostgreSQL: that database, in place

The world is the Jiading-scale demo (`jishi demo`). For each surface — record creation through the API, the API's
list of 20, the unit page — and for its floor — a bare Django view inserting the same row or listing 20 rows
(bench/floor_urls.py) — it measures:
  1. throughput: wrk, 2 threads, 16 connections, `--duration` seconds, requests spread over `--users` people
     with their own API tokens; errors are socket errors plus non-2xx responses;
  2. latency at a fixed rate of half that maximum: bench/openloop.py sends on a schedule whatever the server
     does (open loop) and counts each latency from the scheduled time, so a stalled server cannot hide its queue;
     "lag ms" is how late the client itself connected (p99) — when it is large, the client was the bottleneck.
Then the resident memory of each gunicorn worker. The load generators share the two cores with the server: the
figures are what the server does while a client eats part of the machine, i.e. lower bounds.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.openloop import Request, run_open_loop  # noqa: E402

CONTENT = "与相关科室会商第{n}项年度重点工作推进情况，明确分工和完成时限"


@dataclass
class Surface:
    """One thing to load: a name, its target, and how to make its n-th request."""

    name: str
    target: str
    make: Callable[[int], Request]


def wrk(port: int, surface: Surface, duration: int, workdir: Path) -> dict[str, float]:
    """Run wrk over 20,000 requests rendered by the surface (the same ones the open-loop client sends)."""
    rendered = workdir / "requests.tsv"
    with rendered.open("w") as out:
        for i in range(20_000):
            r = surface.make(i)
            out.write("\t".join([r.method, r.path, r.body, *(f"{k}: {v}" for k, v in r.headers.items())]) + "\n")
    script = Path(__file__).with_name("requests.lua")
    out = subprocess.run(
        [
            "wrk",
            "-t2",
            "-c16",
            f"-d{duration}s",
            "--latency",
            "-s",
            str(script),
            f"http://127.0.0.1:{port}",
            "--",
            str(rendered),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    total = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = (int(non2xx.group(1)) if non2xx else 0) + (sum(int(g) for g in sock.groups()) if sock else 0)

    def pct(label: str) -> float:
        m = re.search(rf"\s{label}%\s+([\d.]+)(us|ms|s)", out)
        if not m:
            return float("nan")
        return float(m.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)]

    return {"rps": rps, "requests": total, "errors": errors, "p50": pct("50"), "p99": pct("99")}


def worker_rss_mb(master: int) -> list[float]:
    sizes = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        if re.search(rf"^PPid:\s+{master}$", text, re.M):
            rss = re.search(r"^VmRSS:\s+(\d+) kB", text, re.M)
            if rss:
                sizes.append(int(rss.group(1)) / 1024)
    return sorted(sizes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--world", help="SQLite demo world to copy (default: DATABASE_URL in place)")
    parser.add_argument("--duration", type=int, default=15, help="seconds per wrk run and per fixed-rate run")
    parser.add_argument("--users", type=int, default=200, help="people whose tokens spread the API load")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--only", help="comma-separated surface names")
    args = parser.parse_args()

    if shutil.which("wrk") is None:
        sys.exit("wrk is missing: apt-get install -y wrk")
    workdir = Path(tempfile.mkdtemp(prefix="jishi-http-"))
    if args.world:
        copy = workdir / "world.sqlite3"
        shutil.copy(args.world, copy)
        os.environ["DATABASE_URL"] = f"sqlite:///{copy}"
    elif not os.environ.get("DATABASE_URL"):
        sys.exit("give --world FILE.sqlite3 or set DATABASE_URL")
    os.environ.update(
        DJANGO_SETTINGS_MODULE="bench.settings",
        JISHI_SECRET_KEY=secrets.token_urlsafe(50),  # production settings refuse a short one
        JISHI_ALLOWED_HOSTS="127.0.0.1",
        JISHI_SECURE_COOKIES="0",
        JISHI_SSL_REDIRECT="0",  # wrk speaks plain HTTP to 127.0.0.1
    )
    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    from jishi.accounts.services import token_create
    from jishi.org.models import Assignment, AssignmentKind, FilingObligation, Person, Unit
    from jishi.records.models import WorkRecord

    subprocess.run([sys.executable, "-m", "jishi", "migrate", "--no-input", "-v0"], check=True, cwd=ROOT)
    today = datetime.date.today().isoformat()
    posts = list(
        Assignment.objects.filter(
            kind=AssignmentKind.PRIMARY, end__isnull=True, person__filing_obligation=FilingObligation.REQUIRED
        )
        .select_related("position__unit")
        .order_by("person_id")[: args.users]
    )
    tokens = [token_create(person=a.person, name="bench")[1] for a in posts]
    floor_rows = [
        {
            "author_id": a.person_id,
            "unit_id": a.position.unit_id,
            "department_id": a.position.unit.department_id or a.position.unit_id,  # a department is its own 本单位
        }
        for a in posts
    ]
    head = Person.objects.get(username="unit_head")
    finance = Unit.objects.get(code="CZJ")
    busiest = WorkRecord.objects.filter(unit__department=finance).order_by("-date").values_list("date", flat=True)[0]
    client = Client()
    client.force_login(head)
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    records_before = WorkRecord.objects.count()
    vendor = connection.vendor
    connection.close()

    def api_create(n: int) -> Request:
        body = {"date": today, "category": "meeting", "content": CONTENT.format(n=n), "duration_minutes": 30}
        return Request(
            "POST", "/api/v1/records", json.dumps(body), {"Authorization": f"Bearer {tokens[n % len(tokens)]}"}
        )

    def floor_create(n: int) -> Request:
        body = {**floor_rows[n % len(floor_rows)], "date": today, "category": "meeting"}
        body |= {"content": CONTENT.format(n=n), "duration_minutes": 30}
        return Request("POST", "/floor/create", json.dumps(body), {})

    def api_list(n: int) -> Request:
        return Request("GET", "/api/v1/records", "", {"Authorization": f"Bearer {tokens[n % len(tokens)]}"})

    unit_path = f"/units/{finance.pk}/?date={busiest.isoformat()}"

    def unit_page(n: int) -> Request:
        return Request("GET", unit_path, "", {"Cookie": cookie})

    def floor_list(n: int) -> Request:
        return Request("GET", "/floor/list", "", {})

    def floor_page(n: int) -> Request:
        return Request("GET", "/floor/page", "", {})

    surfaces = [
        Surface("API create", "≥ 600 req/s, p99 ≤ 30 ms", api_create),
        Surface("floor: bare insert", "", floor_create),
        Surface("API list (20)", "≥ 800 req/s, p99 ≤ 30 ms", api_list),
        Surface("unit page (20)", "≥ 800 req/s, p99 ≤ 30 ms", unit_page),
        Surface("floor: bare list of 20", "", floor_list),
        Surface("floor: bare HTML page of 20", "", floor_page),
    ]
    if args.only:
        wanted = {s.strip() for s in args.only.split(",")}
        surfaces = [s for s in surfaces if s.name in wanted]

    env = dict(os.environ)
    log = (workdir / "gunicorn.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi:application", "-w", "2", "-b", f"127.0.0.1:{args.port}"],
        cwd=ROOT,
        env=env,
        stderr=log,
    )
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{args.port}/floor/list", timeout=2)
                break
            except OSError:
                time.sleep(0.2)
        print(
            f"Jishi HTTP benchmark — {vendor}, {records_before:,} records, gunicorn 2 sync workers, "
            f"wrk -t2 -c16 -d{args.duration}s, open loop at half the maximum for {args.duration} s"
        )
        print(
            f"{'surface':<24}{'max req/s':>10}{'errors':>8}{'rate':>7}{'p50 ms':>8}{'p99 ms':>8}{'max ms':>8}"
            f"{'errors':>8}{'lag ms':>8}  target"
        )
        for surface in surfaces:
            wrk(args.port, surface, 3, workdir)  # warm up both workers
            top = wrk(args.port, surface, args.duration, workdir)
            rate = max(1, int(top["rps"] / 2))
            fixed = asyncio.run(run_open_loop("127.0.0.1", args.port, surface.make, rate, args.duration))
            print(
                f"{surface.name:<24}{top['rps']:>10.0f}{top['errors']:>8}{rate:>7}{fixed.p50:>8.1f}{fixed.p99:>8.1f}"
                f"{fixed.max:>8.1f}{fixed.errors:>8}{fixed.send_lag_p99:>8.1f}  {surface.target}"
                + (f"  (errors by status: {fixed.codes})" if fixed.codes else ""),
                flush=True,
            )
        rss = worker_rss_mb(server.pid)
        print("worker memory after the runs (RSS): " + ", ".join(f"{mb:.0f} MB" for mb in rss) + "  (target ≤ 300 MB)")
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    django.db.connections.close_all()
    print(f"records written during the run: {WorkRecord.objects.count() - records_before:,}")
    if args.world:
        shutil.rmtree(workdir)


if __name__ == "__main__":
    main()

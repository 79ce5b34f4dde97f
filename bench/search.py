"""Search benchmark: time of a search (selector: match, rank, fetch, highlight) by how common the words are.

Usage:  DATABASE_URL=sqlite:////tmp/copy.sqlite3 .venv/bin/python bench/search.py [--terms 8] [--rebuild]
        DATABASE_URL=postgres://postgres@127.0.0.1:5432/jishi_search .venv/bin/python bench/search.py

Runs against an existing Jiading-scale database (a *copy* of the demo world, migrated). With --rebuild it first
times search.services.index_rebuild(). Terms are picked from the data: two-character words found by sampling
records, banded by the share of records containing them (the index's own count): rare (< 0.02 %), ~0.1 %,
~1 %, and very common (会议 and the like, > 10 %), plus one-character words. Each is searched as three
readers with different visibility (a staff member, a district leader, an inspector), ranked and newest first;
it prints p50/p95/max wall time per band and order, and the process CPU time (on SQLite that includes the
database's work; the machine is shared, so wall time under load is longer than the work).
"""

from __future__ import annotations

import argparse
import collections
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

BANDS = [
    ("rare (<0.02%)", 0.0, 0.0002),
    ("~0.1% (0.05–0.2%)", 0.0005, 0.002),
    ("~1% (0.5–2%)", 0.005, 0.02),
    ("very common (>10%)", 0.10, 1.0),
]
READERS = ["staff", "leader", "inspector"]


def pick_terms(total: int, per_band: int) -> dict[str, list[str]]:
    """Two-character words from a sample of records, banded by their exact share of records."""
    from jishi.records.models import WorkRecord
    from jishi.search.selectors import match_estimate
    from jishi.search.terms import parse_query

    rng = random.Random(7)
    top = WorkRecord.objects.order_by("-id").values_list("id", flat=True).first() or 0
    sample_ids = [rng.randint(1, top) for _ in range(3000)]
    counts: collections.Counter[str] = collections.Counter()
    for content in WorkRecord.objects.filter(id__in=sample_ids).values_list("content", flat=True):
        runs = "".join(ch if "\u4e00" <= ch <= "\u9fff" else " " for ch in content).split()
        counts.update({run[i : i + 2] for run in runs for i in range(len(run) - 1)})
    candidates = [w for w, _ in counts.most_common()]
    rng.shuffle(candidates)
    banded: dict[str, list[str]] = {name: [] for name, _, _ in BANDS}
    for word in ["会议", *candidates]:
        if all(len(v) >= per_band for v in banded.values()):
            break
        share = match_estimate(parse_query(word), cap=total) / total
        for name, low, high in BANDS:
            if low < share <= high and len(banded[name]) < per_band and word not in banded[name]:
                banded[name].append(word)
    # Rare words hardly appear in a small sample: take three-character phrases of sampled records instead.
    rare = banded[BANDS[0][0]]
    for content in WorkRecord.objects.filter(id__in=sample_ids[:400]).values_list("content", flat=True):
        if len(rare) >= per_band:
            break
        runs = [r for r in "".join(ch if "\u4e00" <= ch <= "\u9fff" else " " for ch in content).split() if len(r) >= 4]
        if runs:
            word = runs[0][1:4]
            share = match_estimate(parse_query(word), cap=total) / total
            if share <= BANDS[0][2] and word not in rare:
                rare.append(word)
    banded["one character"] = ["会", "访", "鲈", "审", "税"][:per_band]
    return banded


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--terms", type=int, default=8, help="terms per band")
    parser.add_argument("--rebuild", action="store_true", help="time index_rebuild() first")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    import django

    django.setup()
    from django.db import connection

    from jishi.org.models import Person
    from jishi.records.models import WorkRecord
    from jishi.search.selectors import match_estimate, search_records
    from jishi.search.services import index_rebuild
    from jishi.search.terms import parse_query

    total = WorkRecord.objects.count()
    print(f"database: {connection.vendor}; {total:,} records; load average {os.getloadavg()[0]:.1f}")
    if args.rebuild:
        cpu = time.process_time()
        report = index_rebuild()
        print(
            f"index_rebuild(): {report.records:,} records in {report.seconds_total:.1f} s wall "
            f"(terms {report.seconds_terms:.1f} s, writing {report.seconds_writing:.1f} s), "
            f"{time.process_time() - cpu:.1f} s CPU in this process"
        )
    banded = pick_terms(total, args.terms)
    readers = {p.username: p for p in Person.objects.filter(username__in=READERS)}
    print(f"readers: {', '.join(readers)}")
    for band, words in banded.items():
        shares = [match_estimate(parse_query(w), cap=total) / total for w in words]
        print(f"\n{band}: {' '.join(words)}")
        print("  share of records: " + " ".join(f"{s:.3%}" for s in shares))
        for order in ("relevance", "newest"):
            walls: list[float] = []
            cpus: list[float] = []
            later: list[float] = []
            used = collections.Counter[str]()
            for word in words:
                for reader in readers.values():
                    search_records(user=reader, text=word, order=order)  # warm the page cache once
                    cpu, wall = time.process_time(), time.perf_counter()
                    results = search_records(user=reader, text=word, order=order)  # type: ignore[arg-type]
                    walls.append((time.perf_counter() - wall) * 1000)
                    cpus.append((time.process_time() - cpu) * 1000)
                    used[results.order] += 1
                    if results.next_cursor:  # the next page, from where this one ended
                        wall = time.perf_counter()
                        search_records(user=reader, text=word, order="newest", cursor=results.next_cursor)
                        later.append((time.perf_counter() - wall) * 1000)
            walls.sort()
            cpus.sort()
            p95 = walls[max(0, round(0.95 * len(walls)) - 1)]
            cpu95 = cpus[max(0, round(0.95 * len(cpus)) - 1)]
            print(
                f"  {order:9} (served as {dict(used)}): n={len(walls)} p50 {statistics.median(walls):6.1f} ms  "
                f"p95 {p95:6.1f} ms  max {walls[-1]:6.1f} ms  CPU p50 {statistics.median(cpus):5.1f} p95 {cpu95:5.1f}"
                + (f"  next page p50 {statistics.median(later):6.1f} max {max(later):6.1f} ms" if later else "")
            )


if __name__ == "__main__":
    main()

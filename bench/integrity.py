"""Integrity benchmark: seal a Jiading-scale world into the hash chain, verify it, and time one sealed write.

Usage:  cp /tmp/jiading/jishi.sqlite3 /tmp/integrity.sqlite3
        DATABASE_URL=sqlite:////tmp/integrity.sqlite3 .venv/bin/python manage.py migrate
        DATABASE_URL=sqlite:////tmp/integrity.sqlite3 .venv/bin/python bench/integrity.py

Works on a copy: it writes chain entries (and one record, for the per-write figure) to the database it is given.
Prints the time of `link_rows` (the set-based sealing the demo build and imports call), of `verify` by pass, and
the statements one sealed audit event costs.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")  # DEBUG off: no query logging
    import django

    django.setup()
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from jishi.core.models import AuditEvent
    from jishi.core.services import audit
    from jishi.integrity.models import ChainEntry
    from jishi.integrity.services import link_rows
    from jishi.integrity.verification import verify
    from jishi.org.models import Unit

    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    started, cpu = time.perf_counter(), time.process_time()
    report = link_rows(workers=2)
    print(
        f"link_rows: sealed {report.total:,} rows {report.linked} in {time.perf_counter() - started:.1f} s "
        f"(CPU {time.process_time() - cpu:.1f} s)"
    )
    print(f"chain entries: {ChainEntry.objects.count():,}")

    root = Unit.objects.order_by("id").first()
    assert root is not None
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        audit(actor=None, verb="bench.integrity", target=root, data={"note": "one sealed write"})
    statements = len(queries)
    print(
        f"one audited write in a service's transaction: {statements} statements (event, lock head, entries, move head)"
    )

    def audited_writes(n: int, verb: str) -> float:
        started = time.perf_counter()
        for i in range(n):
            with transaction.atomic():
                audit(actor=None, verb=verb, target=root, data={"n": i})
        return (time.perf_counter() - started) / n * 1000

    import jishi.integrity.services as integrity_services

    sealed_ms = audited_writes(300, "bench.integrity")
    real_link = integrity_services.link
    integrity_services.link = lambda **kwargs: None  # type: ignore[assignment]
    try:
        bare_ms = audited_writes(300, "bench.unsealed")
    finally:
        integrity_services.link = real_link
    AuditEvent.objects.filter(verb="bench.unsealed").delete()  # never sealed: verify would rightly report them
    print(f"an audited write (own transaction): {sealed_ms:.2f} ms sealed, {bare_ms:.2f} ms without the chain")

    started, cpu = time.perf_counter(), time.process_time()
    result = verify(workers=2)
    print(f"verify: wall {time.perf_counter() - started:.1f} s, CPU {time.process_time() - cpu:.1f} s")
    seconds = ", ".join(f"{k} {v:.1f} s" for k, v in result.seconds.items())
    print(f"verify: {result.entries:,} entries, rows {result.rows}, {result.records:,} records; {seconds}")
    print(f"problems: {len(result.problems)}")
    for problem in result.problems[:10]:
        print("  " + problem.line())


if __name__ == "__main__":
    main()

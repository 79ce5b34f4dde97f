"""Findings against the planted facts: precision and recall of each kind on a demo world, against its manifest.

Usage (a world of your own — never /tmp/jiading, which others read):
    JISHI_DATA_DIR=/tmp/jiading-f1 flock /tmp/bench.lock .venv/bin/python manage.py demo --no-serve
    JISHI_DATA_DIR=/tmp/jiading-f1 flock /tmp/bench.lock .venv/bin/python bench/findings.py [--rebuild] [--weeks N]

Builds the world's analytics store when it has none (or with --rebuild), timing it; then computes the findings over
the world's whole period (the manifest's first..last working day) and, with --weeks, over the last N weeks too, and
compares each kind with what the demo planted (demo-manifest.json, "findings"): unit codes for overstaffed,
understaffed, silo and off_duty (a section's finding counts for its 本单位), duty codes for idle_duty, usernames
for long_hours, copy_paste (profile "copies") and backfill (profile "batches"). Prints planted / found / hits /
precision / recall per kind, the misses and false alarms by name, and the seconds the computation took.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

UNIT_KINDS = ("overstaffed", "understaffed", "silo", "off_duty")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rebuild", action="store_true", help="rebuild the store even when it exists")
    parser.add_argument("--weeks", type=int, default=0, help="also evaluate the last N weeks of the world")
    parser.add_argument("--json", type=Path, help="write the figures to this file as well")
    args = parser.parse_args()
    data_dir = os.environ.get("JISHI_DATA_DIR", "")
    if not data_dir or data_dir.rstrip("/") == "/tmp/jiading":
        sys.exit("Set JISHI_DATA_DIR to a world of your own (see the docstring); never /tmp/jiading.")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    import django

    django.setup()
    from jishi.insights import engine, findings, store

    manifest = json.loads((Path(data_dir) / "demo-manifest.json").read_text())
    planted = manifest.get("findings")
    if not planted:
        sys.exit("This world's manifest has no findings section: build it again with the planting (jishi demo).")
    print(f"world: {data_dir} — scale {manifest['scale']}, seed {manifest['seed']}, {manifest['records']:,} records")
    if args.rebuild or not store.is_built():
        started = time.perf_counter()
        store.rebuild()
        print(f"store rebuilt in {time.perf_counter() - started:.1f} s")
    first = datetime.date.fromisoformat(manifest["period"]["first"])
    last = datetime.date.fromisoformat(manifest["period"]["last"])
    periods = [("whole period", first, last)]
    if args.weeks:
        periods.append((f"last {args.weeks} weeks", last - datetime.timedelta(days=7 * args.weeks - 1), last))
    out: dict[str, Any] = {"world": data_dir, "seed": manifest["seed"], "records": manifest["records"], "periods": []}
    for label, start, end in periods:
        engine.query("SELECT 1")
        started = time.perf_counter()
        found = findings.compute(start, end)
        seconds = time.perf_counter() - started
        rows = evaluate(planted, found)
        rows["idle_duty"]["false_truly_idle"] = truly_idle(rows["idle_duty"]["false"], start, end)
        print(f"\n{label}: {start} – {end}, {len(found)} findings in {seconds:.2f} s")
        print(f"{'kind':<13}{'planted':>8}{'found':>7}{'hits':>6}{'precision':>11}{'recall':>8}")
        for kind, row in rows.items():
            print(
                f"{kind:<13}{row['planted']:>8}{row['found']:>7}{row['hits']:>6}"
                f"{row['precision']:>11.2f}{row['recall']:>8.2f}"
            )
            if row["also_idle"]:
                print(
                    f"{'':<13}also idle, not planted: {row['also_idle']} (precision counting them: "
                    f"{row['precision_with_also_idle']:.2f})"
                )
            if row["missed"] or row["false"]:
                print(f"{'':<13}missed {row['missed'][:8]} false {row['false'][:8]}")
            if row.get("false_truly_idle") is not None and row["false"]:
                print(f"{'':<13}of the false: {row['false_truly_idle']} have no record in the period (database)")
        out["periods"].append({"label": label, "start": str(start), "end": str(end), "seconds": seconds, "kinds": rows})
    if args.json:
        args.json.write_text(json.dumps(out, ensure_ascii=False, indent=1))


def evaluate(planted: dict[str, Any], found: list[Any]) -> dict[str, dict[str, Any]]:
    from jishi.org.models import Duty, Person, Unit

    units = {u.pk: u for u in Unit.objects.all()}
    duties = dict(Duty.objects.values_list("pk", "code"))
    people = dict(Person.objects.values_list("pk", "username"))

    def name(f: Any) -> str:
        if f.subject_type == "unit":
            unit = units[f.subject_id]
            own = units.get(unit.department_id) if unit.department_id else unit
            return own.code if f.kind in UNIT_KINDS and own else unit.code
        if f.subject_type == "duty":
            return duties.get(f.subject_id, str(f.subject_id))
        return people.get(f.subject_id, str(f.subject_id))

    expected = {
        kind: set(planted[kind].get("units") or planted[kind].get("duties") or planted[kind].get("people") or [])
        for kind in findings_kinds()
    }
    # Duties the random draw left without a record are idle too: a finding about one is right, though not planted.
    natural = set(planted.get("idle_duty", {}).get("also_idle") or [])
    got: dict[str, set[str]] = {kind: set() for kind in expected}
    for f in found:
        got.setdefault(f.kind, set()).add(name(f))
    rows = {}
    for kind, want in expected.items():
        have = got.get(kind, set())
        hits = len(have & want)
        also = len(have & natural) if kind == "idle_duty" else 0
        rows[kind] = {
            "also_idle": also,
            "precision_with_also_idle": (hits + also) / len(have) if have else 1.0,
            "planted": len(want),
            "found": len(have),
            "hits": hits,
            "precision": hits / len(have) if have else (1.0 if not want else 0.0),
            "recall": hits / len(want) if want else 1.0,
            "missed": sorted(want - have),
            "false": sorted(have - want - (natural if kind == "idle_duty" else set())),
        }
    return rows


def truly_idle(codes: list[str], start: datetime.date, end: datetime.date) -> int:
    """How many of these duties no record of the period names, asked of the database itself."""
    from jishi.org.models import Duty
    from jishi.records.models import WorkRecord

    ids = list(Duty.objects.filter(code__in=codes).values_list("pk", flat=True))
    served = set(
        WorkRecord.objects.filter(duty_id__in=ids, date__gte=start, date__lte=end, withdrawn_at__isnull=True)
        .values_list("duty_id", flat=True)
        .distinct()
    )
    return len([pk for pk in ids if pk not in served])


def findings_kinds() -> list[str]:
    from jishi.insights.findings import KINDS

    return list(KINDS)


if __name__ == "__main__":
    main()

"""Organisation import benchmark: a Jiading-sized organisation (516 units, ~6,200 people) imported on a fresh database.

Usage:  .venv/bin/python bench/org_import.py [--format xlsx|csv]
        DATABASE_URL=postgres://postgres@127.0.0.1:5432/jishi_bench_org .venv/bin/python bench/org_import.py

Generates the four files (units listed children first, positions with 分管, people with primary and some concurrent
posts, duties of units and positions), migrates a fresh SQLite file in a temporary directory (or the DATABASE_URL
database, which must be empty or disposable: it is flushed), and times for each kind the dry run and the import,
as `jishi import` runs them (the same functions, in-process). Then it re-imports a people file with 100 transfers
and 100 renames among 6,000 unchanged rows, the upsert path. Prints seconds per step and rows per second.
"""

from __future__ import annotations

import argparse
import atexit
import csv
import io
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国文辉鹏飞燕宇浩晨欣悦嘉琪颖婷雪梅林峰斌志"


def build_files(rng: random.Random) -> dict[str, list[list[str]]]:
    units = [["单位代码", "单位名称", "类型", "上级单位代码", "排序"], ["JD", "嘉定区", "区", "", "0"]]
    positions = [["单位代码", "岗位名称", "职级", "领导职务", "分管单位代码"]]
    duties = [["单位代码", "岗位名称", "职责编码", "职责名称", "说明", "停用日期"]]
    seats: list[tuple[str, str, str]] = []  # (unit code, position title, category) — one per person
    departments = [(f"D{n:02d}", f"区第{n}局", "委办局") for n in range(1, 41)]
    towns = [(f"T{n:02d}", f"第{n}镇", "街镇") for n in range(1, 13)]
    village_counts = [14] * 7 + [13] * 5  # 163 villages
    for order, (code, name, kind) in enumerate(departments + towns, start=1):
        units.append([code, name, kind, "JD", str(order)])
        sections = [f"{code}-S{i}" for i in range(1, 7 if kind == "委办局" else 6)]
        for i, section in enumerate(sections, start=1):
            units.append([section, f"{name}第{i}科", "科室", code, str(i)])
            positions += [[section, "科长", "正科", "正职", ""], [section, "科员", "科员", "", ""]]
            duties += [[section, "", f"{section}-01", f"{name}第{i}科职能", "", ""]]
            duties += [[section, "科员", f"{section}-02", "科员岗位职责", "", ""]]
            seats.append((section, "科长", "公务员"))
            seats += [(section, "科员", rng.choice(["公务员", "公务员", "参公", "事业"]))] * rng.randint(12, 18)
        head = "局长" if kind == "委办局" else "镇长"
        positions.append([code, head, "正处", "正职", ""])
        seats.append((code, head, "公务员"))
        for d in range(3):
            share = "、".join(sections[d::3])
            positions.append([code, f"副{head}（分管{d + 1}）", "副处", "副职", share])
            seats.append((code, f"副{head}（分管{d + 1}）", "公务员"))
        duties += [[code, "", f"{code}-{j:02d}", f"{name}职能{j}", "三定方案规定的职能", ""] for j in range(1, 9)]
        if kind == "街镇":
            for v in range(1, village_counts[int(code[1:]) - 1] + 1):
                village = f"{code}-V{v:02d}"
                units.append([village, f"{name}第{v}村", "村居", code, str(v)])
                positions += [[village, "居委会主任", "无职级", "正职", ""], [village, "社工", "无职级", "", ""]]
                duties += [[village, "", f"{village}-{j:02d}", f"村居职能{j}", "", ""] for j in range(1, 4)]
                seats.append((village, "居委会主任", "社工"))
                seats += [(village, "社工", "社工")] * 4
    positions.append(["JD", "区委书记", "区级领导", "正职", ""])
    positions.append(["JD", "区长", "区级领导", "正职", ""])
    seats += [("JD", "区委书记", "公务员"), ("JD", "区长", "公务员")]
    for n in range(12):
        share = "、".join(code for code, _, _ in (departments + towns)[n::12])
        positions.append(["JD", f"副区长（分管{n + 1}）", "区级领导", "副职", share])
        seats.append(("JD", f"副区长（分管{n + 1}）", "公务员"))
    people = [["工号", "姓名", "人员类别", "填报义务", "区管干部", "主职单位代码", "主职岗位", "任职日期", "兼职岗位"]]
    for n, (unit, title, category) in enumerate(seats, start=1):
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
        leader = title not in ("科员", "社工", "科长", "居委会主任")
        concurrent = ""
        if title == "科员" and rng.random() < 0.03:
            concurrent = f"{unit.rsplit('-S', 1)[0]}-S1/科员" if not unit.endswith("-S1") else ""
        people.append(
            [
                f"JD{n:06d}",
                name,
                category,
                "自愿填报" if category == "社工" else "必须填报",
                "是" if leader else "否",
                unit,
                title,
                f"20{rng.randint(10, 23)}-{rng.randint(1, 12):02d}-01",
                concurrent,
            ]
        )
    body = units[2:]
    rng.shuffle(body)  # children before parents: the importer orders them
    return {"units": units[:2] + body, "positions": positions, "people": people, "duties": duties}


def encode(rows: list[list[str]], fmt: str) -> bytes:
    if fmt == "csv":
        buffer = io.StringIO()
        csv.writer(buffer).writerows(rows)
        return buffer.getvalue().encode("utf-8-sig")
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--format", choices=["xlsx", "csv"], default="xlsx")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    tmp = tempfile.mkdtemp(prefix="jishi-bench-org-")
    atexit.register(shutil.rmtree, tmp, ignore_errors=True)
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{tmp}/bench.sqlite3")
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.dev"}
    subprocess.run([sys.executable, "-m", "jishi", "flush", "--no-input"], check=False, env=env, capture_output=True)
    subprocess.run([sys.executable, "-m", "jishi", "migrate", "-v", "0"], check=True, env=env)
    import django

    django.setup()
    from django.db import connection

    from jishi.org.models import Assignment, Person, Position, Role, RoleGrant, Unit
    from jishi.records.org_imports import import_duties, import_people, import_positions, import_units

    admin = Person.objects.create(username="bench-admin", full_name="基准管理员")
    RoleGrant.objects.create(person=admin, role=Role.ADMIN, all_units=True)
    files = build_files(random.Random(args.seed))
    runs = [("units", import_units), ("positions", import_positions), ("people", import_people)]
    runs.append(("duties", import_duties))
    print(f"database: {connection.vendor}; files: .{args.format}")
    total = total_cpu = 0.0
    for kind, run in runs:
        data = encode(files[kind], args.format)
        rows = len(files[kind]) - 1
        started = time.perf_counter()
        report = run(actor=admin, data=data, filename=f"{kind}.{args.format}", dry_run=True)
        checked = time.perf_counter() - started
        assert report.ok, report.errors[:5]
        started, cpu = time.perf_counter(), time.process_time()
        report = run(actor=admin, data=data, filename=f"{kind}.{args.format}")
        imported, cpu = time.perf_counter() - started, time.process_time() - cpu
        total += imported
        total_cpu += cpu
        print(
            f"{kind:<10} {rows:>6} rows ({len(data) / 1024:,.0f} KB)  dry run {checked:6.2f} s   "
            f"import {imported:6.2f} s (CPU {cpu:5.2f} s, {rows / imported:,.0f} rows/s)  created {report.created}"
        )
    print(
        f"{'all four':<10} imported in {total:.2f} s "
        f"(CPU {total_cpu:.2f} s; wall time includes waiting on a busy machine)"
    )
    print(
        f"stored: {Unit.objects.count()} units, {Position.objects.count()} positions, "
        f"{Person.objects.count() - 1} people, {Assignment.objects.count()} assignments"
    )

    # The upsert path: the same people with 100 transfers (to another section's 科员) and 100 renames.
    people = [list(row) for row in files["people"]]
    clerks = [row for row in people[1:] if row[6] == "科员" and not row[8]]
    rng = random.Random(args.seed + 1)
    for row in rng.sample(clerks, 100):
        row[5] = rng.choice([c[5] for c in clerks if c[5] != row[5]])
        row[7] = "2025-06-01"
    for row in rng.sample(people[1:], 100):
        row[1] = row[1] + "某"
    data = encode(people, args.format)
    started, cpu = time.perf_counter(), time.process_time()
    report = import_people(actor=admin, data=data, filename=f"people-changed.{args.format}")
    print(
        f"people re-import: {time.perf_counter() - started:.2f} s (CPU {time.process_time() - cpu:.2f} s) — "
        f"created {report.created}, "
        f"updated {report.updated}, unchanged {report.unchanged}"
    )


if __name__ == "__main__":
    main()

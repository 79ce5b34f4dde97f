"""A small district with planted facts, built only through the imports (organisation files, then a records file) —
the way a district that did not come from Jishi's demo would arrive. The tests of the findings check each kind
against PLANTED.

Nine bureaus (委办局) of six filers each (a head in the bureau, five staff in its one section), over the 20 working
days of March 2025. Ordinary people record about two hours a day, name one of their bureau's three duties nine
times in ten, name a partner bureau on four records in ten, and submit the same evening. Then:
  B1 understaffed (nine hours a day), B2 overstaffed (forty minutes), B3 and B5 silos (no partner either way),
  B4 off duty (one record in ten names a duty), B6-03 and B7-03 idle duties, B7P2 and B8P3 copy their content,
  B8P1 and B9P1 record 17.5-hour days five times, B9P2 and B6P4 submit Monday–Thursday on Friday, B5P3 submits
  the whole month on 31 March.
"""

from __future__ import annotations

import csv
import datetime
import io
import random
from typing import Any

from jishi.org.models import Person, Role, RoleGrant
from jishi.records.imports import EXAMPLE, import_records
from jishi.records.org_imports import import_duties, import_people, import_positions, import_units

FIRST = datetime.date(2025, 3, 3)
LAST = datetime.date(2025, 3, 28)
BUREAUS = [
    "区发展改革委",
    "区教育局",
    "区科委",
    "区民政局",
    "区司法局",
    "区财政局",
    "区人社局",
    "区规划资源局",
    "区生态环境局",
]
PLANTED: dict[str, set[str]] = {
    "understaffed": {"B1"},
    "overstaffed": {"B2"},
    "silo": {"B3", "B5"},
    "off_duty": {"B4"},
    "idle_duty": {"B6-03", "B7-03"},
    "copy_paste": {"B7P2", "B8P3"},
    "long_hours": {"B8P1", "B9P1"},
    "backfill": {"B9P2", "B6P4", "B5P3"},  # two file Monday–Thursday on Friday, one the whole month at its end
}
SILOS = PLANTED["silo"]
IDLE = PLANTED["idle_duty"]

_TOPICS = [
    "预算执行分析",
    "安全生产检查",
    "营商环境评估",
    "信访件办理",
    "老旧小区改造",
    "垃圾分类推进",
    "人才公寓配租",
    "河道水质监测",
    "为老服务中心建设",
    "校园周边治理",
    "企业走访服务",
    "防汛物资盘点",
    "政务公开目录",
    "社区卫生服务",
    "文明城区创建",
    "重大项目推进",
    "就业援助对接",
    "法律顾问审查",
    "应急预案修订",
    "数据共享清单",
]
_ACTS = [
    "牵头召开协调会",
    "起草工作方案",
    "赴现场核查",
    "汇总各方意见",
    "审核报送材料",
    "约谈责任单位",
    "组织专题培训",
    "梳理问题清单",
    "走访服务对象",
    "复核整改情况",
]
_OUTCOMES = [
    "明确下一步分工",
    "形成会议纪要",
    "提出修改建议",
    "完成台账更新",
    "推动问题销项",
    "确定完成时限",
    "报分管领导审定",
    "反馈相关科室",
]
_CATEGORIES = ["会议", "办文", "调研", "办事服务"]


def _csv(rows: list[dict[str, str]]) -> bytes:
    headers = list(rows[0])
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    for row in rows:
        writer.writerow([row.get(h, "") for h in headers])
    return buffer.getvalue().encode("utf-8-sig")


def codes() -> list[str]:
    return [f"B{i + 1}" for i in range(len(BUREAUS))]


def organisation_files() -> dict[str, bytes]:
    """单位, 岗位, 人员 and 职责 files, in the import's own columns."""
    units = [{"单位代码": "PD", "单位名称": "试验区", "类型": "区", "上级单位代码": ""}]
    positions = [{"单位代码": "PD", "岗位名称": "区委书记", "职级": "区级领导", "领导职务": "正职"}]
    people = [
        {
            "工号": "PD-SEC",
            "姓名": "郑书记",
            "人员类别": "公务员",
            "主职单位代码": "PD",
            "主职岗位": "区委书记",
            "任职日期": "2024-01-01",
        }
    ]
    duties = []
    surnames = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张"
    given = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂"
    for i, (code, name) in enumerate(zip(codes(), BUREAUS, strict=True)):
        section = f"{code}-S1"
        units += [
            {"单位代码": code, "单位名称": name, "类型": "委办局", "上级单位代码": "PD"},
            {"单位代码": section, "单位名称": f"{name}综合科", "类型": "科室", "上级单位代码": code},
        ]
        positions += [
            {"单位代码": code, "岗位名称": "局长", "职级": "正处", "领导职务": "正职"},
            {"单位代码": section, "岗位名称": "科员", "职级": "科员", "领导职务": ""},
        ]
        people.append(
            {
                "工号": f"{code}H",
                "姓名": surnames[i] + given[i] + "局",
                "人员类别": "公务员",
                "主职单位代码": code,
                "主职岗位": "局长",
                "任职日期": "2024-01-01",
            }
        )
        for k in range(1, 6):
            people.append(
                {
                    "工号": f"{code}P{k}",
                    "姓名": surnames[(i + k) % len(surnames)] + given[(i * 5 + k) % len(given)] + given[k],
                    "人员类别": "公务员",
                    "主职单位代码": section,
                    "主职岗位": "科员",
                    "任职日期": "2024-01-01",
                }
            )
        for n in range(1, 4):
            duties.append(
                {
                    "单位代码": code,
                    "岗位名称": "",
                    "职责编码": f"{code}-0{n}",
                    "职责名称": f"{name}第{n}项职能",
                }
            )
    return {"units": _csv(units), "positions": _csv(positions), "people": _csv(people), "duties": _csv(duties)}


def _working_days() -> list[datetime.date]:
    return [
        FIRST + datetime.timedelta(days=n)
        for n in range((LAST - FIRST).days + 1)
        if (FIRST + datetime.timedelta(days=n)).weekday() < 5
    ]


def _row(number: str, day: datetime.date, begin: str, end: str, content: str, **extra: str) -> dict[str, str]:
    row = dict.fromkeys(EXAMPLE, "")
    row.update(
        {
            "工号": number,
            "日期": day.isoformat(),
            "开始": begin,
            "结束": end,
            "次日结束": "否",
            "类别": extra.pop("category", "办文"),
            "工作内容": content,
            "可见范围": "政府内部",
            "敏感": "否",
        }
    )
    row.update(extra)
    return row


def records_file(seed: int = 15) -> bytes:
    """The records of March 2025, with the planted facts."""
    rng = random.Random(seed)
    days = _working_days()
    long_days = set(days[1:20:4])  # five days
    rows: list[dict[str, str]] = []
    copied: dict[str, str] = {}
    partners = [c for c in codes() if c not in SILOS]

    def content(number: str) -> str:
        if number in PLANTED["copy_paste"]:
            return copied.setdefault(number, f"{rng.choice(_TOPICS)}：{rng.choice(_ACTS)}，{rng.choice(_OUTCOMES)}")
        return (
            f"{rng.choice(_TOPICS)}：{rng.choice(_ACTS)}，涉及{rng.randint(2, 40)}家单位"
            f"{rng.randint(3, 90)}项事项，{rng.choice(_OUTCOMES)}"
        )

    for code in codes():
        for number in [f"{code}H"] + [f"{code}P{k}" for k in range(1, 6)]:
            for day in days:
                if code == "B1":
                    spans = [("08:30", "11:30"), ("13:00", "17:00"), ("17:15", "19:15")]
                elif code == "B2":
                    spans = [("09:00", "09:40")]
                elif number in PLANTED["long_hours"] and day in long_days:
                    spans = [("06:00", "12:00"), ("12:00", "18:00"), ("18:00", "23:30")]
                else:
                    start = rng.choice([0, 15, 30])
                    length = 120 + rng.choice([-15, 0, 15])
                    begin = 9 * 60 + start
                    spans = [
                        (
                            f"{begin // 60:02d}:{begin % 60:02d}",
                            f"{(begin + length) // 60:02d}:{(begin + length) % 60:02d}",
                        )
                    ]
                for begin, end in spans:
                    if number == "B5P3":
                        submitted = "2025-03-31 18:00"
                    elif number in PLANTED["backfill"]:
                        friday = day + datetime.timedelta(days=4 - day.weekday())
                        submitted = f"{friday.isoformat()} 18:00"
                    else:
                        submitted = f"{day.isoformat()} {'23:45' if end > '19:30' else '19:45'}"
                    duties = [f"{code}-01", f"{code}-02", f"{code}-03"]
                    duties = [d for d in duties if d not in IDLE]
                    duty = rng.choice(duties) if rng.random() < (0.1 if code == "B4" else 0.9) else ""
                    partner = ""
                    if code not in SILOS and rng.random() < 0.4:
                        partner = rng.choice([c for c in partners if c != code])
                    rows.append(
                        _row(
                            number,
                            day,
                            begin,
                            end,
                            content(number),
                            category=rng.choice(_CATEGORIES),
                            职责编码=duty,
                            合作单位=partner,
                            提交时间=submitted,
                        )
                    )
    return _csv(rows)


def importer() -> Person:
    """An administrator to run the imports (only administrators and HR import)."""
    admin = Person.objects.create(username="pd-admin", full_name="管理员", employee_number="PD-ADMIN", password="!")
    RoleGrant.objects.create(person=admin, role=Role.ADMIN, all_units=True, granted_on=datetime.date(2024, 1, 1))
    return admin


def build(actor: Person | None = None, seed: int = 15) -> dict[str, Any]:
    """Import the organisation, then the records; returns the import reports."""
    actor = actor or importer()
    org = organisation_files()
    reports: dict[str, Any] = {}
    for kind, run in (
        ("units", import_units),
        ("positions", import_positions),
        ("people", import_people),
        ("duties", import_duties),
    ):
        report = run(actor=actor, data=org[kind], filename=f"{kind}.csv")
        assert report.ok, (kind, report.errors[:5])
        reports[kind] = report
    report = import_records(actor=actor, data=records_file(seed), filename="records.csv")
    assert report.ok, report.errors[:5]
    reports["records"] = report
    return reports


def subject_code(finding: Any) -> str:
    """A finding's subject as PLANTED names it: a unit's code, a duty's code, a person's 工号."""
    from jishi.org.models import Duty, Unit

    if finding.subject_type == "unit":
        return Unit.objects.get(pk=finding.subject_id).code
    if finding.subject_type == "duty":
        return Duty.objects.get(pk=finding.subject_id).code
    return Person.objects.get(pk=finding.subject_id).employee_number

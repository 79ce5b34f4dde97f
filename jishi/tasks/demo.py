"""Believable 督办 for the demo world, written set-based: tasks and 批示 from leaders and unit heads, advanced by
records already in the database — some confirmed, some awaiting confirmation, some overdue, some stuck.

Call after the records are written (the lead's demo build):

    from jishi.tasks.demo import seed_tasks
    summary = seed_tasks(seed=2014)            # about 12 tasks per department-level unit (≈ 620 at Jiading scale)
    summary = seed_tasks(seed=7, count=100, today=datetime.date(2014, 7, 16))

`seed_tasks(*, seed: int = 2014, count: int | None = None, today: date | None = None) -> TaskSeed` — deterministic
for a seed and a database; runs in one transaction; refuses to run twice (tasks already present).

The same rules as services.py hold for every row: each issuer is in charge of the owner unit (org/rules.py's
Reader, built per issuer), duties are the owner unit's, deadlines follow issue, steps never skip, only the owner side
moves forward and only the issuer confirms or returns, records are linked by their authors and only to tasks
their unit owns or collaborates on, the first linked record starts an accepted task. What it skips is the
per-row transaction, notifications and one audit line per event: one `demo.tasks` audit event records the seeding.
"""

from __future__ import annotations

import datetime
import random
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from jishi.core.services import audit
from jishi.org.calendar import WorkingCalendar, at, local_today
from jishi.org.models import Assignment, Duty, Leadership, Unit, UnitKind
from jishi.org.rules import build_reader
from jishi.records.models import Visibility, WorkRecord
from jishi.tasks.models import EventKind, Status, Task, TaskEvent, TaskRecordLink
from jishi.tasks.selectors import overdue_q, stuck_q, stuck_since

TASKS_PER_DEPARTMENT = 12
ACTIONS = [
    "年底前完成专项资金清理并报送结果",
    "牵头制定工作方案，明确分工和时间节点",
    "对群众反映的问题开展专项核查",
    "完成年度目标任务推进情况自查",
    "组织开展安全隐患排查整治",
    "梳理历年遗留问题，提出解决办法",
    "会同相关部门研究落实配套政策",
    "形成专题调研报告报区政府",
    "落实整改措施并报送整改台账",
    "完成重点项目节点任务",
    "做好迎检准备工作，整理台账资料",
    "开展政策执行情况评估",
    "抓紧办理人大代表建议和政协提案",
    "建立长效机制，防止问题反弹",
    "做好信访件答复和回访工作",
    "完成数据核对并在系统中更新",
]
INSTRUCTION_ACTIONS = [
    "请认真研究，提出意见",
    "请抓紧落实，按期报结果",
    "此事要高度重视，请牵头协调解决",
    "请会同相关部门核实情况后报我",
    "经验做法值得总结推广，请形成材料",
]
RESULTS = [
    "已按要求完成，相关材料已归档。",
    "已形成报告并报送，问题已整改到位。",
    "已会同协办单位完成核查，处理意见已反馈当事人。",
    "方案已印发实施，首批任务已完成。",
    "资金已拨付到位，台账已更新。",
]
# Cumulative shares of tasks left issued, accepted, in progress and reported done (the rest are confirmed).
FATES_DUE = (0.01, 0.03, 0.09, 0.13)
FATES_NOT_DUE = (0.10, 0.25, 0.80, 0.90)
RETURN_REASONS = ["结果材料不完整，请补充佐证材料", "整改措施不够具体，请细化后再报"]


@dataclass
class TaskSeed:
    """What seed_tasks wrote, by status and flag."""

    tasks: int = 0
    events: int = 0
    links: int = 0
    instructions: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    overdue: int = 0
    stuck: int = 0
    seconds: float = 0.0


@dataclass
class _Issuer:
    person_id: int
    unit_id: int  # the issuer's unit (issuer_unit)
    units: list[Unit]  # units they may issue to
    is_district: bool


@dataclass
class _Plan:
    task: Task
    collaborators: list[int]
    events: list[TaskEvent]
    links: list[TaskRecordLink]


class _World:
    """The organisation as the seeder needs it, read once."""

    def __init__(self, today: datetime.date) -> None:
        self.today = today
        self.units = {u.pk: u for u in Unit.objects.filter(valid_to__isnull=True)}
        self.departments = [u for u in self.units.values() if u.kind in (UnitKind.DEPARTMENT, UnitKind.TOWN)]
        posts = list(Assignment.objects.active_on(today).select_related("position"))
        self.members: dict[int, list[int]] = defaultdict(list)  # unit → people with a post there
        self.heads: dict[int, int] = {}
        for a in posts:
            self.members[a.position.unit_id].append(a.person_id)
            if a.position.leadership == Leadership.PRINCIPAL:
                self.heads.setdefault(a.position.unit_id, a.person_id)
        self.duties: dict[int, list[int]] = defaultdict(list)
        for duty_id, unit_id in Duty.objects.filter(position__isnull=True, retired_on__isnull=True).values_list(
            "id", "unit_id"
        ):
            self.duties[unit_id].append(duty_id)
        self.issuers = self._issuers(posts)

    def _issuers(self, posts: list[Assignment]) -> list[_Issuer]:
        """Department heads and jurisdiction leaders, each with the units the org rules put in their charge."""
        leading: dict[int, Assignment] = {}
        for a in posts:
            unit = self.units.get(a.position.unit_id)
            if unit is None or a.position.leadership == Leadership.NONE:
                continue
            heads_department = a.position.leadership == Leadership.PRINCIPAL and unit.is_department_level
            if unit.tier == 0 or heads_department:
                leading.setdefault(a.person_id, a)
        issuers = []
        for person_id, post in sorted(leading.items()):
            reader = build_reader(person_id, self.today)
            units = [
                u
                for u in self.units.values()
                if u.parent_id is not None and u.kind != UnitKind.VILLAGE and reader.is_superior_for(u.pk)
            ]
            if units:
                is_district = self.units[post.position.unit_id].tier == 0
                issuers.append(
                    _Issuer(person_id, post.position.unit_id, sorted(units, key=lambda u: u.path), is_district)
                )
        return issuers

    def subtree(self, unit: Unit) -> list[int]:
        return [u.pk for u in self.units.values() if u.path.startswith(unit.path)]

    def department_of(self, unit: Unit) -> Unit:
        return self.units.get(unit.department_id or unit.pk, unit)


def _moment(rng: random.Random, day: datetime.date) -> datetime.datetime:
    return at(day, datetime.time(rng.randint(8, 17), rng.randint(0, 59)))


def _candidates(unit_ids: list[int], start: datetime.date, end: datetime.date, authors: list[int]) -> list[Any]:
    """Records by some of the units' people between two days, filed in those units, that anyone on the task could read.

    A few authors at a time: the (author, date) index answers at once, and the records spread over the unit."""
    if end < start or not authors:
        return []
    rows = (
        WorkRecord.objects.filter(
            author_id__in=authors, date__range=(start, end), visibility__in=[Visibility.PUBLIC, Visibility.INTERNAL]
        )
        .order_by()
        .values_list("id", "author_id", "unit_id", "date", "submitted_at")
    )
    units = set(unit_ids)
    return [row for row in rows[:300] if row[2] in units]


def _some(rng: random.Random, people: list[int], k: int = 4) -> list[int]:
    return rng.sample(people, k=min(k, len(people)))


def _plan(world: _World, rng: random.Random, days: list[datetime.date], issuer: _Issuer) -> _Plan | None:
    owner = rng.choice(issuer.units)
    department = world.department_of(owner)
    subtree = world.subtree(owner)
    handlers = [p for u in subtree for p in world.members.get(u, []) if p != issuer.person_id]
    if not handlers:
        return None
    owner_person = rng.choice(handlers) if owner.kind == UnitKind.SECTION and rng.random() < 0.2 else None
    others = [d for d in world.departments if d.pk != department.pk]
    collaborators = rng.sample(others, k=rng.choice([1, 1, 2])) if others and rng.random() < 0.35 else []
    issued_day = rng.choice(days[: max(len(days) - 3, 1)])
    deadline = issued_day + datetime.timedelta(days=rng.randint(7, 45))
    duties = world.duties.get(owner.pk, []) + world.duties.get(department.pk, [])
    source = None
    title = f"{owner.name}：{rng.choice(ACTIONS)}"
    if rng.random() < 0.35:  # a 批示 on a recent record of the owner unit
        found = _candidates(subtree, issued_day - datetime.timedelta(days=6), issued_day, _some(rng, handlers))
        if found:
            source = rng.choice(found)
            title = f"批示：{rng.choice(INSTRUCTION_ACTIONS)}"
    issued_at = _moment(rng, issued_day)
    if source is not None:
        issued_at = max(issued_at, source[4] + datetime.timedelta(minutes=rng.randint(30, 600)))
    task = Task(
        title=title[:100],
        description="",
        issuer_id=issuer.person_id,
        issuer_unit_id=issuer.unit_id,
        owner_unit_id=owner.pk,
        owner_person_id=owner_person,
        deadline=deadline,
        duty_id=rng.choice(duties) if duties and rng.random() < 0.8 else None,
        source_record_id=source[0] if source else None,
        status=Status.ISSUED,
        issued_at=issued_at,
        last_activity_at=issued_at,
    )
    plan = _Plan(task=task, collaborators=[c.pk for c in collaborators], events=[], links=[])
    _advance(world, rng, days, plan, issuer, subtree, handlers, collaborators)
    return plan


def _advance(
    world: _World,
    rng: random.Random,
    days: list[datetime.date],
    plan: _Plan,
    issuer: _Issuer,
    subtree: list[int],
    handlers: list[int],
    collaborators: list[Unit],
) -> None:
    """Walk the task along the flow to a fate drawn by the seed, one step at a time, as the services would."""
    task = plan.task
    owner_actor = task.owner_person_id or world.heads.get(task.owner_unit_id) or rng.choice(handlers)
    if owner_actor == issuer.person_id:
        owner_actor = rng.choice(handlers)

    def event(kind: str, actor: int, unit: int, to: str, moment: datetime.datetime, note: str = "") -> None:
        plan.events.append(
            TaskEvent(
                kind=kind,
                actor_id=actor,
                unit_id=unit,
                at=moment,
                from_status=task.status if kind != EventKind.ISSUE else "",
                to_status=to,
                note=note,
            )
        )
        task.status = to
        task.last_activity_at = max(task.last_activity_at, moment)

    event(
        EventKind.ISSUE,
        issuer.person_id,
        issuer.unit_id,
        Status.ISSUED,
        task.issued_at,
        "批示" if task.source_record_id else "",
    )
    # Fates by age: most tasks due long ago are closed, most not yet due are under way.
    waiting, accepted, working, reported = FATES_DUE if task.deadline < world.today else FATES_NOT_DUE
    fate = rng.random()
    later = [d for d in days if d > task.issued_at.date()]
    if fate < waiting or len(later) < 2:
        return  # still waiting to be accepted (stuck once old enough)
    accept_at = _moment(rng, later[rng.randint(0, min(2, len(later) - 2))])
    event(EventKind.ACCEPT, owner_actor, task.owner_unit_id, Status.ACCEPTED, max(accept_at, task.issued_at))
    if fate < accepted:
        return
    # Work until the deadline (give or take) or, for open tasks, until recently — or long ago if it stalled.
    finishing = fate >= working
    stalls = not finishing and rng.random() < 0.35
    if finishing:
        end_day = task.deadline + datetime.timedelta(days=rng.randint(-12, 6))
    elif stalls:
        end_day = world.today - datetime.timedelta(days=rng.randint(12, 40))
    else:  # still moving: work up to the last few days
        end_day = days[-1]
    end_day = min(end_day, days[-1])
    start_day = task.last_activity_at.date()
    authors = [task.owner_person_id] if task.owner_person_id else _some(rng, handlers)
    found = _candidates(subtree, start_day, end_day, authors)
    picked = rng.sample(found, k=min(len(found), rng.randint(1, 5)))
    for collaborator in collaborators:
        units = world.subtree(collaborator)
        people = [p for u in units for p in world.members.get(u, [])]
        helped = _candidates(units, start_day, end_day, _some(rng, people, 2))
        picked += rng.sample(helped, k=min(len(helped), rng.randint(0, 2)))
    if not finishing and not stalls:
        recent = _candidates(subtree, max(start_day, days[-3]), end_day, authors)
        picked += rng.sample(recent, k=min(len(recent), 1))
    picked = list({row[0]: row for row in picked}.values())
    if not picked and task.status == Status.ACCEPTED:
        return
    for record_id, author_id, unit_id, _day, submitted_at in sorted(picked, key=lambda r: r[4]):
        linked_at = max(submitted_at, task.last_activity_at) + datetime.timedelta(minutes=rng.randint(1, 90))
        plan.links.append(TaskRecordLink(record_id=record_id, linked_by_id=author_id, linked_at=linked_at))
        task.last_activity_at = linked_at
        if task.status == Status.ACCEPTED:
            event(EventKind.AUTO_START, author_id, unit_id, Status.IN_PROGRESS, linked_at)
    if task.status == Status.ACCEPTED:
        return
    if not finishing or task.last_activity_at.date() >= world.today:
        return
    done_day = [d for d in days if d >= task.last_activity_at.date()]
    if not done_day:
        return
    done_at = max(_moment(rng, done_day[0]), task.last_activity_at + datetime.timedelta(minutes=5))
    event(EventKind.DONE, owner_actor, task.owner_unit_id, Status.DONE, done_at, "")
    task.result = rng.choice(RESULTS)
    if fate < reported:
        return  # awaiting the issuer's confirmation
    confirm_days = [d for d in days if d > done_at.date()]
    if not confirm_days:
        return
    moment = max(_moment(rng, confirm_days[min(rng.randint(0, 2), len(confirm_days) - 1)]), done_at)
    if rng.random() < 0.1 and len(confirm_days) > 3:  # returned once, then done again
        event(
            EventKind.RETURN, issuer.person_id, issuer.unit_id, Status.IN_PROGRESS, moment, rng.choice(RETURN_REASONS)
        )
        redo = moment + datetime.timedelta(days=rng.randint(1, 3), minutes=rng.randint(0, 300))
        if redo.date() >= world.today:
            return
        event(EventKind.DONE, owner_actor, task.owner_unit_id, Status.DONE, redo)
        moment = redo + datetime.timedelta(hours=rng.randint(2, 30))
        if moment.date() >= world.today:
            return
    event(EventKind.CONFIRM, issuer.person_id, issuer.unit_id, Status.CONFIRMED, moment, "同意")
    task.closed_at = moment


@transaction.atomic
def seed_tasks(*, seed: int = 2014, count: int | None = None, today: datetime.date | None = None) -> TaskSeed:
    """Write believable tasks over the demo world's records (see the module docstring); returns what was written."""
    started = time.perf_counter()
    if Task.objects.exists():
        raise RuntimeError("督办演示数据已存在，不重复生成。")
    today = today or local_today()
    rng = random.Random(seed)
    world = _World(today)
    if not world.issuers:
        raise RuntimeError("没有可以下达督办的领导：请先生成演示世界。")
    first = WorkRecord.objects.order_by("date").values_list("date", flat=True).first() or today
    calendar = WorkingCalendar(first, today - datetime.timedelta(days=1))
    days = calendar.working_days()
    if not days:
        raise RuntimeError("演示世界没有记实日期。")
    count = count if count is not None else TASKS_PER_DEPARTMENT * max(len(world.departments), 1)
    # Jurisdiction leaders issue fewer tasks than the many department heads, but each weighs more.
    weights = [4.0 if i.is_district else 1.0 for i in world.issuers]
    plans: list[_Plan] = []
    while len(plans) < count:
        plan = _plan(world, rng, days, rng.choices(world.issuers, weights=weights)[0])
        if plan is not None:
            plans.append(plan)
    tasks = Task.objects.bulk_create([p.task for p in plans], batch_size=500)
    through = Task.collaborating_units.through
    through.objects.bulk_create(
        [through(task_id=t.pk, unit_id=u) for t, p in zip(tasks, plans, strict=True) for u in p.collaborators],
        batch_size=1000,
    )
    events: list[TaskEvent] = []
    links: list[TaskRecordLink] = []
    for task, plan in zip(tasks, plans, strict=True):
        for event in plan.events:
            event.task_id = task.pk
        for link in plan.links:
            link.task_id = task.pk
        events += plan.events
        links += plan.links
    TaskEvent.objects.bulk_create(events, batch_size=1000)
    TaskRecordLink.objects.bulk_create(links, batch_size=1000)
    since = stuck_since(today)
    summary = TaskSeed(
        tasks=len(tasks),
        events=len(events),
        links=len(links),
        instructions=sum(1 for t in tasks if t.source_record_id),
        by_status=dict(Counter(str(t.status) for t in tasks)),
        overdue=Task.objects.filter(overdue_q(today)).count(),
        stuck=Task.objects.filter(stuck_q(since)).count(),
    )
    root = Unit.objects.filter(parent__isnull=True).first()
    if root is not None:
        audit(
            actor=None,
            verb="demo.tasks",
            target=root,
            data={"seed": seed, "tasks": summary.tasks, "links": summary.links},
        )
    summary.seconds = time.perf_counter() - started
    return summary

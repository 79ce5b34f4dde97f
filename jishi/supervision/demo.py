"""A believable layer of supervision on the demo world: views, comments, inquiries, confirmations and a few flags.

Set-based: it reads the records of the last `days` days and everyone's posts in a handful of queries, decides in
memory, and writes with bulk_create — no per-row service call (and so no notification or audit line, as for the
records the world writes in bulk). Every dimension is classified by the same rules.classify the services use,
and who acts respects the records' visibility: outsiders never open a 本单位 or 仅上级 record, and only the
author's own 本单位 comments on or inquires into a sensitive one.
"""

from __future__ import annotations

import datetime
import functools
import random
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from jishi.org.calendar import at, day_of
from jishi.org.models import Assignment, Leadership
from jishi.records.models import RecordParticipant, Visibility, WorkRecord
from jishi.supervision import rules
from jishi.supervision.models import (
    Comment,
    CommentVersion,
    Confirmation,
    ConfirmationStatus,
    Flag,
    Inquiry,
    RecordView,
)

BATCH = 2000

LEADER_COMMENTS = [
    "思路清楚，请把分工细化到人，周五前报进度。",
    "这项工作抓得实，注意总结可推广的做法。",
    "请与相关部门再对接一次，把时间节点明确下来。",
    "数据口径要统一，报送前请再核一遍。",
    "群众反映的问题要逐条回应，办结后回访。",
    "同意，按程序办理，注意留痕。",
]
PEER_COMMENTS = [
    "我们这边也在推进类似工作，可以对接一下。",
    "学习了，会议纪要能否共享一份？",
    "相关数据我们科有，需要的话随时联系。",
    "这个做法值得借鉴。",
]
QUESTIONS = [
    "这项工作的经费测算依据是什么？",
    "会议确定的三项分工，牵头人分别是谁？",
    "该事项的办理时限是如何确定的？",
    "记实中提到的问题，目前整改到哪一步了？",
]
ANSWERS = [
    "依据年度预算执行数和新增事项测算，明细已报财务科。",
    "分别由综合科、业务科和办公室牵头，已印发分工表。",
    "按上级文件要求和群众诉求紧迫程度确定，已在系统中公示。",
    "已完成整改两项，剩余一项本月底前完成。",
]
REJECTIONS = ["当天外出培训，未参加该会议。", "我只参加了前半段，已另行记录。", "参加的是另一场会议，请核对。"]
FLAG_REASONS = ["记实时长与会议纪要明显不符，请核查。", "多日记实内容高度雷同，疑似复制粘贴。"]


@dataclass
class SeedReport:
    """What the layer added, for the build log."""

    views: int = 0
    comments: int = 0
    inquiries: int = 0
    confirmations: int = 0
    flags: int = 0


def _posts_by_person(day: datetime.date) -> dict[int, list[rules.Post]]:
    posts: dict[int, list[rules.Post]] = defaultdict(list)
    rows = Assignment.objects.active_on(day).values_list(
        "person_id",
        "position__unit_id",
        "position__unit__department_id",
        "position__unit__tier",
        "position__leadership",
        "position__unit__name",
        "position__title",
    )
    for person_id, unit_id, department_id, tier, leadership, unit_name, title in rows:
        posts[person_id].append(
            rules.Post(
                unit_id=unit_id,
                department_id=department_id or unit_id,
                tier=tier,
                leadership=leadership,
                title=f"{unit_name} {title}",
            )
        )
    return posts


@functools.cache
def _midnight(day: datetime.date) -> datetime.datetime:
    return at(day, datetime.time.min)


def _moment(rng: random.Random, day: datetime.date, now: datetime.datetime) -> datetime.datetime:
    moment = _midnight(day) + datetime.timedelta(minutes=rng.randint(8 * 60, 21 * 60 - 1))
    return min(moment, now - datetime.timedelta(minutes=rng.randint(1, 600)))


def _insert_views(views: list[tuple[Any, ...]]) -> None:
    """Views are the bulk of the layer: executemany without model instances, a day's repeat view skipped."""
    table = RecordView._meta.db_table
    columns = (
        "record_id, viewer_id, day, viewed_at, dimension, viewer_unit_id, by_inspector, record_date, record_unit_id, "
        "record_department_id"
    )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY into a scratch table and one set-based insert: row-by-row inserts were half the layer's time.
            cursor.execute(
                f"CREATE TEMPORARY TABLE view_load ON COMMIT DROP AS SELECT {columns} FROM {table} WITH NO DATA"
            )
            with cursor.copy(f"COPY view_load ({columns}) FROM STDIN") as copy:
                for row in views:
                    copy.write_row(row)
            cursor.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM view_load ON CONFLICT DO NOTHING")
            return
        sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * 10)}) ON CONFLICT DO NOTHING"
        for start in range(0, len(views), BATCH * 5):
            cursor.executemany(sql, views[start : start + BATCH * 5])


@transaction.atomic
def seed(
    *,
    rng: random.Random,
    until: datetime.date,
    days: int = 30,
    views_per_record: float = 2.0,
    now: datetime.datetime | None = None,
) -> SeedReport:
    """Add views, comments, inquiries, confirmations and flags on the records dated in (until - days, until].

    `views_per_record` is the mean number of distinct viewers (most records are opened by a colleague or two, a
    leader's record by many). Call it once, after the records exist; it is deterministic for a given rng state
    and database.
    """
    now = now or timezone.now()
    since = until - datetime.timedelta(days=days)
    posts = _posts_by_person(until)
    members: dict[int, list[int]] = defaultdict(list)  # 本单位 -> people
    leaders: dict[int, list[int]] = defaultdict(list)  # 本单位 -> its leaders
    jurisdiction_leaders: list[int] = []
    by_tier: dict[int, list[int]] = defaultdict(list)
    for person_id, held in posts.items():
        for post in held:
            members[post.department_id].append(person_id)
            by_tier[post.tier].append(person_id)
            if post.leadership != Leadership.NONE:
                (jurisdiction_leaders if post.tier == 0 else leaders[post.department_id]).append(person_id)
    same_tier: dict[int, list[int]] = defaultdict(list)  # tier -> its 本单位s
    for department_id, tier_of in {p.department_id: p.tier for held in posts.values() for p in held}.items():
        same_tier[tier_of].append(department_id)

    records = list(
        WorkRecord.objects.filter(date__gt=since, date__lte=until).values_list(
            "id", "author_id", "department_id", "unit__tier", "unit_id", "date", "visibility", "is_sensitive"
        )
    )
    report = SeedReport()
    ops = connection.ops
    views: list[tuple[Any, ...]] = []
    comments: list[Comment] = []
    inquiries: list[Inquiry] = []
    leader_ids = {p for held in leaders.values() for p in held} | set(jurisdiction_leaders)

    def classify(actor: int, author: int, department: int, tier: int) -> rules.Classification:
        return rules.classify(
            actor_id=actor, author_id=author, posts=posts.get(actor, []), department_id=department, tier=tier
        )

    for record_id, author, department, tier, unit_id, day, visibility, sensitive in records:
        if visibility == Visibility.SUPERIORS:
            continue
        open_to_all = visibility in (Visibility.PUBLIC, Visibility.INTERNAL)
        wanted = rng.expovariate(1 / views_per_record) * (4 if author in leader_ids else 1)
        viewers: set[int] = set()
        for _ in range(min(int(wanted + 0.5), 40)):
            roll = rng.random()
            if roll < 0.55 or not open_to_all:  # colleagues and the unit's own leaders
                pool = members.get(department) or []
            elif roll < 0.68:
                pool = leaders.get(department) or []
            elif roll < 0.76:  # the jurisdiction's leaders read down
                pool = jurisdiction_leaders
            elif roll < 0.93:  # other units of the same tier; everyone reads the leaders' records
                pool = (members.get(rng.choice(same_tier[tier])) or []) if tier else by_tier.get(1, [])
            else:
                pool = by_tier.get(rng.choice([t for t in by_tier if t != tier] or [tier])) or []
            if pool:
                viewers.add(rng.choice(pool))
        viewers.discard(author)
        latest = min(until, now.date())
        for viewer in viewers:
            seen = day + datetime.timedelta(days=min(int(rng.expovariate(1.0)), max((latest - day).days, 0)))
            c = classify(viewer, author, department, tier)
            moment = _moment(rng, seen, now)
            views.append(
                (
                    record_id,
                    viewer,
                    ops.adapt_datefield_value(day_of(moment)),
                    ops.adapt_datetimefield_value(moment),
                    c.dimension,
                    c.unit_id,
                    False,
                    ops.adapt_datefield_value(day),
                    unit_id,
                    department,
                )
            )
        if viewers and rng.random() < 0.04:
            own_circle = [v for v in viewers if classify(v, author, department, tier).dimension == "vertical"]
            pool = own_circle if sensitive else sorted(viewers)
            if pool:
                actor = rng.choice(pool)
                c = classify(actor, author, department, tier)
                leading = rules.leader_post(posts.get(actor, []), c.post)
                text = rng.choice(LEADER_COMMENTS if leading else PEER_COMMENTS)
                comments.append(
                    Comment(
                        record_id=record_id,
                        author_id=actor,
                        text=text,
                        created_at=_moment(rng, min(day + datetime.timedelta(days=1), until), now),
                        is_leader=leading is not None,
                        leader_title=leading.title[:200] if leading else "",
                        dimension=c.dimension,
                        actor_unit_id=c.unit_id,
                    )
                )
        if viewers and rng.random() < 0.004 and not sensitive:
            actor = rng.choice(sorted(viewers))
            c = classify(actor, author, department, tier)
            leading = rules.leader_post(posts.get(actor, []), c.post)
            asked = _moment(rng, min(day + datetime.timedelta(days=1), until), now)
            due = asked.date() + datetime.timedelta(days=rng.choice([3, 5, 7]))
            answered = rng.random() < 0.7 and due <= until
            inquiries.append(
                Inquiry(
                    record_id=record_id,
                    asker_id=actor,
                    question=rng.choice(QUESTIONS),
                    asked_at=asked,
                    due_on=due,
                    answer=rng.choice(ANSWERS) if answered else "",
                    answered_at=min(asked + datetime.timedelta(days=rng.randint(0, 8)), now) if answered else None,
                    is_leader=leading is not None,
                    leader_title=leading.title[:200] if leading else "",
                    dimension=c.dimension,
                    actor_unit_id=c.unit_id,
                )
            )

    _insert_views(views)
    made = Comment.objects.bulk_create(comments, batch_size=BATCH)
    CommentVersion.objects.bulk_create(
        [CommentVersion(comment=c, number=1, text=c.text, written_at=c.created_at) for c in made], batch_size=BATCH
    )
    Inquiry.objects.bulk_create(inquiries, batch_size=BATCH)
    report.views, report.comments, report.inquiries = len(views), len(made), len(inquiries)
    report.confirmations = _confirmations(rng, since, until, now)
    report.flags = _flags(rng, records, now)
    return report


def _confirmations(rng: random.Random, since: datetime.date, until: datetime.date, now: datetime.datetime) -> int:
    """Named colleagues who recorded the same work that day confirm through their own record; a few say no."""
    named = list(
        RecordParticipant.objects.filter(
            person__isnull=False, record__date__gt=since, record__date__lte=until
        ).values_list("record_id", "person_id", "record__date", "record__category_id")
    )
    if not named:
        return 0
    own = {
        (author, day, category): record_id
        for record_id, author, day, category in WorkRecord.objects.filter(
            date__gt=since, date__lte=until, author_id__in={p for _, p, _, _ in named}
        ).values_list("id", "author_id", "date", "category_id")
    }
    rows = []
    for record_id, person_id, day, category in named:
        mine = own.get((person_id, day, category))
        decided = _moment(rng, min(day + datetime.timedelta(days=1), until), now)
        if mine is not None and mine != record_id:
            rows.append(
                Confirmation(
                    record_id=record_id,
                    person_id=person_id,
                    status=ConfirmationStatus.CONFIRMED,
                    own_record_id=mine,
                    decided_at=decided,
                )
            )
        elif rng.random() < 0.03:
            rows.append(
                Confirmation(
                    record_id=record_id,
                    person_id=person_id,
                    status=ConfirmationStatus.REJECTED,
                    reason=rng.choice(REJECTIONS),
                    decided_at=decided,
                )
            )
    Confirmation.objects.bulk_create(rows, batch_size=BATCH, ignore_conflicts=True)
    return len(rows)


def _flags(rng: random.Random, records: list[tuple], now: datetime.datetime) -> int:
    """About one flag per twenty thousand records, by a colleague of the same 本单位."""
    if not records:
        return 0
    chosen = rng.sample(records, k=max(1, len(records) // 20000))
    colleagues = dict(
        Assignment.objects.active_on(now.date())
        .filter(position__unit__department_id__in={r[2] for r in chosen})
        .values_list("position__unit__department_id", "person_id")
    )
    rows = []
    for record_id, author, department, _tier, unit_id, day, _visibility, _sensitive in chosen:
        flagger = colleagues.get(department)
        if flagger is None or flagger == author:
            continue
        rows.append(
            Flag(
                record_id=record_id,
                flagger_id=flagger,
                reason=rng.choice(FLAG_REASONS),
                created_at=_moment(rng, day, now),
                unit_id=unit_id,
            )
        )
    Flag.objects.bulk_create(rows)
    return len(rows)

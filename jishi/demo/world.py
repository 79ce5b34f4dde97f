"""Build a demo world: a jurisdiction's units, posts, people and duties, and their records over recent working days.

Deterministic for a given seed and "today". Records pass the same content rule and the same lock and
late-entry computations as any record (records.services), and each gets its first version in the history;
they are written set-based because a world of thousands of records cannot wait for one transaction each.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from jishi.core.services import audit
from jishi.demo import vocabulary as V
from jishi.org.calendar import WorkingCalendar
from jishi.org.models import (
    Absence,
    AbsenceKind,
    Assignment,
    AssignmentKind,
    Duty,
    FilingObligation,
    Leadership,
    Person,
    PersonCategory,
    Position,
    Rank,
    Role,
    RoleGrant,
    Unit,
    UnitKind,
)
from jishi.org.services import name_search_keys, unit_save
from jishi.records.models import Category, RecordParticipant, RecordVersion, Visibility, WorkRecord
from jishi.records.services import content_errors, lock_time, record_snapshot

DEMO_PASSWORD = "jishi2026"


@dataclass(frozen=True)
class Scale:
    departments: list[str]  # codes from vocabulary.DEPARTMENTS
    towns: int
    sections: int  # at most, per unit
    staff: tuple[int, int]  # staff per section, low–high
    villages: int  # per town
    social_workers: int  # per village
    working_days: int


SCALES = {
    "tiny": Scale(["ZZB", "CZJ", "MZJ", "JWJ", "QWB"], 1, 2, (2, 3), 1, 2, 8),
    "small": Scale(["QWB", "ZZB", "FGW", "CZJ", "RSJ", "MZJ", "XFB", "JWJ"], 3, 3, (3, 5), 2, 2, 22),
    "medium": Scale([code for _, code, _ in V.DEPARTMENTS], 12, 4, (5, 8), 3, 3, 25),
}

DEMO_LOGINS = [
    # username, role label, how the builder finds them
    ("staff", "工作人员（区财政局预算科科员）"),
    ("colleague", "另一单位的工作人员（区民政局）"),
    ("section_head", "科室负责人（区财政局预算科科长）"),
    ("unit_head", "部门负责人（区财政局局长）"),
    ("deputy_leader", "分管区领导（副区长，分管财政）"),
    ("leader", "区主要领导（区委书记）"),
    ("inspector", "纪检监察（全区）"),
    ("hr", "组织人事（全区）"),
    ("admin", "系统管理员"),
    ("social_worker", "村居社工（自愿填报）"),
]


@dataclass
class _Member:
    person: Person
    unit: Unit
    domain: str
    duties: list[Duty] = field(default_factory=list)
    profile: str = "regular"  # regular, misses, batches, copies


@dataclass
class DemoWorld:
    people: int
    units: int
    records: int
    logins: list[tuple[str, str, str]]  # username, name, role


class _Builder:
    def __init__(self, scale: Scale, seed: int, today: datetime.date, progress: Callable[[str], None]) -> None:
        self.scale, self.rng, self.today, self.progress = scale, random.Random(seed), today, progress
        self.members: list[_Member] = []
        self.people: list[Person] = []
        self.named: dict[str, Person] = {}
        self.used_names: set[str] = set()
        self.serial = 0
        self.since = today - datetime.timedelta(days=800)

    # ---- people ---------------------------------------------------------------------------------
    def _name(self) -> str:
        while True:
            given = "".join(self.rng.choice(V.GIVEN) for _ in range(self.rng.choice((1, 2, 2))))
            name = self.rng.choice(V.SURNAMES) + given
            # Namesakes are real (the autocomplete must show unit and post), but keep them rare.
            if name not in self.used_names or self.rng.random() < 0.02:
                self.used_names.add(name)
                return name

    def _person(
        self,
        *,
        category: str = PersonCategory.CIVIL_SERVANT,
        cadre: bool = False,
        username: str | None = None,
    ) -> Person:
        self.serial += 1
        full_name = self._name()
        pinyin, initials = name_search_keys(full_name)
        person = Person(
            username=username or f"p{self.serial:05d}",
            full_name=full_name,
            employee_number=f"JD{self.serial:06d}",
            category=category,
            is_district_cadre=cadre,
            name_pinyin=pinyin,
            name_initials=initials,
            filing_obligation=FilingObligation.OPTIONAL
            if category == PersonCategory.SOCIAL_WORKER
            else FilingObligation.REQUIRED,
        )
        person.set_unusable_password()
        self.people.append(person)
        if username:
            self.named[username] = person
        return person

    def _post(self, unit: Unit, title: str, rank: str, leadership: str = Leadership.NONE) -> Position:
        return Position.objects.create(unit=unit, title=title, rank=rank, leadership=leadership)

    # ---- structure ------------------------------------------------------------------------------
    def build_structure(self) -> None:
        root = unit_save(Unit(name="嘉定区", code="JD", kind=UnitKind.JURISDICTION))
        self.root = root
        chosen = [d for d in V.DEPARTMENTS if d[1] in self.scale.departments]
        towns = V.TOWNS[: self.scale.towns]
        self.department_units: list[tuple[Unit, str]] = []
        for order, (name, code, domain) in enumerate(chosen):
            unit = unit_save(Unit(name=name, code=code, kind=UnitKind.DEPARTMENT, parent=root, sort_order=order))
            self.department_units.append((unit, domain))
        for order, (name, code) in enumerate(towns):
            unit = unit_save(Unit(name=name, code=code, kind=UnitKind.TOWN, parent=root, sort_order=100 + order))
            self.department_units.append((unit, "town"))
        self.progress(f"单位：{len(self.department_units)} 个委办局和街镇")

        # District leadership: the secretary and the district head are principal leaders of the root.
        secretary = self._post(root, "区委书记", Rank.DISTRICT, Leadership.PRINCIPAL)
        head = self._post(root, "区长", Rank.DISTRICT, Leadership.PRINCIPAL)
        self._assign(self._person(cadre=True, username="leader"), secretary, root, "office")
        self._assign(self._person(cadre=True), head, root, "office")
        deputies = max(2, len(self.department_units) // 4)
        for n in range(deputies):
            post = self._post(root, "副区长", Rank.DISTRICT, Leadership.DEPUTY)
            share = self.department_units[n::deputies]
            post.in_charge_of.set([u for u, _ in share])
            finance = any(u.code == "CZJ" for u, _ in share)
            self._assign(self._person(cadre=True, username="deputy_leader" if finance else None), post, root, "office")

        for unit, domain in self.department_units:
            self._build_unit(unit, domain)
        self.progress(f"人员：{len(self.people)} 人")

    def _build_unit(self, unit: Unit, domain: str) -> None:
        code = unit.code
        functions = [Duty(unit=unit, code=f"{code}-{i + 1:02d}", title=t) for i, t in enumerate(V.DUTIES[domain])]
        Duty.objects.bulk_create(functions)
        head = self._post(
            unit,
            "主任" if domain in ("office", "petitions", "town") else "局长",
            Rank.DIVISION_PRINCIPAL,
            Leadership.PRINCIPAL,
        )
        head_person = self._person(cadre=True, username="unit_head" if code == "CZJ" else None)
        self._assign(head_person, head, unit, domain)
        section_names = V.SECTIONS[domain][: self.scale.sections]
        sections = [
            unit_save(
                Unit(
                    name=f"{unit.name}{s}" if domain == "town" else s,
                    code=f"{code}-S{i + 1}",
                    kind=UnitKind.SECTION,
                    parent=unit,
                    sort_order=i,
                )
            )
            for i, s in enumerate(section_names)
        ]
        deputies = [
            self._post(
                unit,
                "副局长" if domain not in ("town",) else "副镇长",
                Rank.DIVISION_DEPUTY,
                Leadership.DEPUTY,
            )
            for _ in range(min(2, len(sections)))
        ]
        for n, deputy in enumerate(deputies):
            deputy.in_charge_of.set(sections[n :: len(deputies)])
            self._assign(self._person(cadre=True), deputy, unit, domain)
        for i, section in enumerate(sections):
            picked = self.rng.sample(functions, k=min(2, len(functions)))
            section_duties = [
                Duty(unit=section, code=f"{section.code}-{j + 1:02d}", title=f"{d.title}（{section.name}）")
                for j, d in enumerate(picked)
            ]
            Duty.objects.bulk_create(section_duties)
            lead = self._post(section, "科长", Rank.SECTION_PRINCIPAL, Leadership.PRINCIPAL)
            Duty.objects.create(unit=section, position=lead, code=f"{section.code}-L", title="科室工作统筹和人员管理")
            is_budget = code == "CZJ" and i == 0
            self._assign(self._person(username="section_head" if is_budget else None), lead, section, domain)
            count = self.rng.randint(*self.scale.staff)
            for k in range(count):
                rank = self.rng.choice([Rank.STAFF, Rank.STAFF, Rank.CLERK, Rank.SECTION_DEPUTY])
                post = self._post(section, f"{section.name}{Rank(rank).label}", rank)
                username = None
                if k == 0 and is_budget:
                    username = "staff"
                elif k == 0 and i == 0 and code == "MZJ":
                    username = "colleague"
                elif k == 0 and i == 0 and code == "JWJ":
                    username = "inspector"
                elif k == 0 and i == 0 and code == "ZZB":
                    username = "hr"
                elif k == 1 and i == 0 and code == "QWB":
                    username = "admin"
                self._assign(self._person(username=username), post, section, domain)
        if domain == "town":
            for v in range(self.scale.villages):
                stem = self.rng.choice(V.VILLAGE_STEMS)
                village = unit_save(
                    Unit(
                        name=V.VILLAGES[v % len(V.VILLAGES)].format(stem),
                        code=f"{code}-V{v + 1}",
                        kind=UnitKind.VILLAGE,
                        parent=unit,
                    )
                )
                Duty.objects.bulk_create(
                    [
                        Duty(unit=village, code=f"{village.code}-{j + 1:02d}", title=t)
                        for j, t in enumerate(V.DUTIES["village"])
                    ]
                )
                secretary = self._post(village, "居委会主任", Rank.NONE, Leadership.PRINCIPAL)
                self._assign(self._person(category=PersonCategory.PUBLIC_INSTITUTION), secretary, village, "village")
                for w in range(self.scale.social_workers):
                    post = self._post(village, "社工", Rank.NONE)
                    username = "social_worker" if unit.code == V.TOWNS[0][1] and v == 0 and w == 0 else None
                    person = self._person(category=PersonCategory.SOCIAL_WORKER, username=username)
                    self._assign(person, post, village, "village")

    def _assign(self, person: Person, position: Position, unit: Unit, domain: str) -> None:
        if person.pk is None:
            person.save()
        Assignment.objects.create(
            person=person,
            position=position,
            kind=AssignmentKind.PRIMARY,
            start=self.since + datetime.timedelta(days=self.rng.randint(0, 200)),
        )
        self.members.append(_Member(person=person, unit=unit, domain=domain))

    def grant_roles(self) -> None:
        for username, role in (("inspector", Role.INSPECTOR), ("hr", Role.HR), ("admin", Role.ADMIN)):
            person = self.named.get(username)
            if person:
                RoleGrant.objects.create(
                    person=person, role=role, all_units=True, granted_on=self.since, note="演示授权"
                )
        for username in self.named:
            person = self.named[username]
            person.set_password(DEMO_PASSWORD)
            person.save(update_fields=["password"])

    def load_duties(self) -> None:
        """Each member's duties as duties_for() would give them (their post, their unit, its 本单位)."""
        by_unit: dict[int, list[Duty]] = {}
        by_position: dict[int, list[Duty]] = {}
        for duty in Duty.objects.all():
            if duty.position_id:
                by_position.setdefault(duty.position_id, []).append(duty)
            else:
                by_unit.setdefault(duty.unit_id, []).append(duty)
        posts = dict(Assignment.objects.values_list("person_id", "position_id"))
        for member in self.members:
            unit = member.unit
            member.duties = (
                by_position.get(posts[member.person.pk], [])
                + by_unit.get(unit.pk, [])
                + by_unit.get(unit.department_id or unit.pk, [])
            )

    def add_texture(self) -> None:
        """Who misses days, who batches late entries, who copies; a few absences."""
        for member in self.members:
            roll = self.rng.random()
            member.profile = (
                "misses" if roll < 0.08 else "batches" if roll < 0.13 else "copies" if roll < 0.15 else "regular"
            )
        staff = self.named.get("staff")
        for member in self.members:
            if member.person is staff:
                member.profile = "misses"
        absent = self.rng.sample(self.members, k=max(1, len(self.members) // 30))
        start = self.today - datetime.timedelta(days=self.scale.working_days + 10)
        Absence.objects.bulk_create(
            [
                Absence(
                    person=m.person,
                    kind=self.rng.choice(list(AbsenceKind)),
                    note="演示",
                    start=(s := start + datetime.timedelta(days=self.rng.randint(0, self.scale.working_days))),
                    end=s + datetime.timedelta(days=self.rng.randint(0, 4)),
                )
                for m in absent
            ]
        )

    # ---- records --------------------------------------------------------------------------------
    def build_records(self) -> int:
        calendar = WorkingCalendar(self.today - datetime.timedelta(days=120), self.today + datetime.timedelta(days=60))
        days: list[datetime.date] = []
        day = self.today - datetime.timedelta(days=1)
        while len(days) < self.scale.working_days:
            if calendar.is_working_day(day):
                days.append(day)
            day -= datetime.timedelta(days=1)
        days.reverse()
        weekends = [
            d
            for d in (days[0] + datetime.timedelta(days=n) for n in range((self.today - days[0]).days))
            if not calendar.is_working_day(d)
        ]
        categories = {c.code: c for c in Category.objects.all()}
        category_names = [c.name for c in categories.values()]
        absences = {(a.person_id): (a.start, a.end) for a in Absence.objects.all()}
        unit_names = [u.name for u, _ in self.department_units]
        partner_units = [u for u, _ in self.department_units]
        now = timezone.now()
        colleagues: dict[int, list[Person]] = {}
        for member in self.members:
            colleagues.setdefault(member.unit.department_id or member.unit.pk, []).append(member.person)

        pending: list[tuple[WorkRecord, list[dict[str, Any]]]] = []
        total = 0
        last_content: dict[int, str] = {}
        staff = self.named.get("staff")
        # Today's morning is partly filed already when today is a working day.
        todays = [self.today] if calendar.is_working_day(self.today) else []
        for _index, day in enumerate([*days, *todays]):
            for member in self.members:
                person = member.person
                is_today = day == self.today
                if is_today and (person is staff or self.rng.random() < 0.5):
                    continue
                away = absences.get(person.pk)
                if away and away[0] <= day <= away[1]:
                    continue
                if person.filing_obligation == FilingObligation.OPTIONAL and self.rng.random() < 0.6:
                    continue
                if member.profile == "misses" and self.rng.random() < 0.18:
                    continue
                for record, participants in self._day_records(
                    member, day, categories, unit_names, partner_units, colleagues, last_content, now
                ):
                    errors = content_errors(record.content, category_names)
                    if errors:  # the generator must write what a person would be allowed to write
                        raise AssertionError(f"demo content breaks the content rule: {record.content!r}")
                    record.locks_at = lock_time(record.date, record.submitted_at, calendar)
                    pending.append((record, participants))
            if len(pending) > 4000:
                total += self._flush(pending)
                pending = []
                self.progress(f"记实：{total} 条（至 {day:%m-%d}）")
        # Weekend overtime and duty shifts, never owed.
        for day in weekends:
            on_duty = self.rng.sample(self.members, k=max(1, len(self.members) // 25))
            for member in on_duty:
                record = self._record(
                    member,
                    day,
                    categories["duty_shift"],
                    "duty_shift",
                    unit_names,
                    datetime.time(9, 0),
                    datetime.time(17, 0),
                    last_content,
                    now,
                )
                record.locks_at = lock_time(record.date, record.submitted_at, calendar)
                pending.append((record, []))
        total += self._flush(pending)
        return total

    def _day_records(
        self,
        member: _Member,
        day: datetime.date,
        categories: dict[str, Category],
        unit_names: list[str],
        partner_units: list[Unit],
        colleagues: dict[int, list[Person]],
        last_content: dict[int, str],
        now: datetime.datetime,
    ) -> list[tuple[WorkRecord, list[dict[str, Any]]]]:
        slots = [
            (datetime.time(8, 45), datetime.time(11, 30)),
            (datetime.time(13, 30), datetime.time(15, 30)),
            (datetime.time(15, 45), datetime.time(17, 30)),
        ]
        count = self.rng.choice((1, 2, 2, 3)) if day != self.today else 1
        chosen = sorted(self.rng.sample(range(3), k=count))
        out = []
        for slot in chosen:
            start, end = slots[slot]
            start = (
                datetime.datetime.combine(day, start) + datetime.timedelta(minutes=self.rng.choice((0, 15, 30)))
            ).time()
            if day == self.today and timezone.make_aware(datetime.datetime.combine(day, end)) > now:
                continue
            code = self.rng.choice(
                [
                    "meeting",
                    "meeting",
                    "documents",
                    "documents",
                    "research",
                    "service",
                    "inspection",
                    "training",
                    "visitors",
                    "official_trip",
                    "other",
                ]
            )
            record = self._record(member, day, categories[code], code, unit_names, start, end, last_content, now)
            participants: list[dict[str, Any]] = []
            if code == "meeting" and self.rng.random() < 0.4:
                pool = [p for p in colleagues[member.unit.department_id or member.unit.pk] if p is not member.person]
                for other in self.rng.sample(pool, k=min(len(pool), self.rng.randint(1, 3))):
                    participants.append({"person": other.pk, "unit": None, "contact_name": ""})
            if code in ("meeting", "research", "official_trip") and self.rng.random() < 0.3:
                partner = self.rng.choice(partner_units)
                if partner.pk != (member.unit.department_id or member.unit.pk):
                    participants.append(
                        {
                            "person": None,
                            "unit": partner.pk,
                            "contact_name": self._name() if self.rng.random() < 0.5 else "",
                        }
                    )
            out.append((record, participants))
        return out

    def _record(
        self,
        member: _Member,
        day: datetime.date,
        category: Category,
        code: str,
        unit_names: list[str],
        start: datetime.time,
        end: datetime.time,
        last_content: dict[int, str],
        now: datetime.datetime,
    ) -> WorkRecord:
        person = member.person
        if member.profile == "copies" and person.pk in last_content and self.rng.random() < 0.7:
            content = last_content[person.pk]
        else:
            topic = self.rng.choice(V.TOPICS[member.domain])
            pattern = self.rng.choice(V.PATTERNS[code])
            content = pattern.format(t=topic, p=self.rng.choice(unit_names), n=self.rng.randint(2, 9))
            last_content[person.pk] = content
        submitted = timezone.make_aware(
            datetime.datetime.combine(day, datetime.time(17, 10)) + datetime.timedelta(minutes=self.rng.randint(0, 120))
        )
        if member.profile == "batches":
            friday = day + datetime.timedelta(days=(4 - day.weekday()) % 7)
            submitted = timezone.make_aware(datetime.datetime.combine(friday, datetime.time(17, 40)))
        if submitted > now:
            submitted = now
        sensitive = member.domain in ("petitions", "personnel", "inspection") and self.rng.random() < 0.3
        roll = self.rng.random()
        visibility = (
            Visibility.PUBLIC
            if roll < 0.04
            else Visibility.UNIT
            if roll < 0.08
            else Visibility.SUPERIORS
            if roll < 0.10
            else Visibility.INTERNAL
        )
        start_at = timezone.make_aware(datetime.datetime.combine(day, start))
        end_at = timezone.make_aware(datetime.datetime.combine(day, end))
        places = V.PLACES.get(member.domain, V.PLACES["default"])
        return WorkRecord(
            author=person,
            unit=member.unit,
            department_id=member.unit.department_id or member.unit.pk,
            date=day,
            start_at=start_at,
            end_at=end_at,
            duration_minutes=int((end_at - start_at).total_seconds() // 60),
            category=category,
            content=content,
            place=self.rng.choice(places) if self.rng.random() < 0.6 else "",
            duty=self.rng.choice(member.duties) if member.duties and self.rng.random() < 0.85 else None,
            result=self.rng.choice(V.RESULTS),
            visibility=visibility,
            is_sensitive=sensitive,
            is_late=timezone.localtime(submitted).date() > day,
            submitted_at=submitted,
            updated_at=submitted,
            version=1,
        )

    def _flush(self, pending: list[tuple[WorkRecord, list[dict[str, Any]]]]) -> int:
        if not pending:
            return 0
        records = WorkRecord.objects.bulk_create([r for r, _ in pending], batch_size=1000)
        RecordParticipant.objects.bulk_create(
            [
                RecordParticipant(record=r, person_id=p["person"], unit_id=p["unit"], contact_name=p["contact_name"])
                for r, parts in zip(records, (p for _, p in pending), strict=True)
                for p in parts
            ],
            batch_size=2000,
        )
        RecordVersion.objects.bulk_create(
            [
                RecordVersion(
                    record=r,
                    number=1,
                    data=record_snapshot(r, parts),
                    changed_by_id=r.author_id,
                    changed_at=r.submitted_at,
                )
                for r, parts in zip(records, (p for _, p in pending), strict=True)
            ],
            batch_size=1000,
        )
        return len(records)


def _refresh_planner_statistics() -> None:
    """After a bulk load: fold SQLite's write-ahead log into the database and refresh planner statistics."""
    if connection.in_atomic_block:  # a caller's transaction (tests): statistics can wait
        return
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        cursor.execute("ANALYZE")


def world_exists() -> bool:
    return Person.objects.filter(username="staff").exists()


def build_world(
    *,
    scale: str = "tiny",
    seed: int = 2014,
    today: datetime.date | None = None,
    progress: Callable[[str], None] = lambda _: None,
) -> DemoWorld:
    """Build the demo world into an empty database (the caller migrates and empties it first)."""
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}; choose one of {', '.join(SCALES)}")
    builder = _Builder(SCALES[scale], seed, today or timezone.localdate(), progress)
    with transaction.atomic():
        builder.build_structure()
        builder.grant_roles()
        builder.load_duties()
        builder.add_texture()
    with transaction.atomic():
        count = builder.build_records()
        audit(
            actor=None,
            verb="demo.build",
            target=builder.root,
            data={"scale": scale, "seed": seed, "records": count, "people": len(builder.people)},
        )
    _refresh_planner_statistics()
    logins = [(u, builder.named[u].full_name, label) for u, label in DEMO_LOGINS if u in builder.named]
    return DemoWorld(people=len(builder.people), units=Unit.objects.count(), records=count, logins=logins)

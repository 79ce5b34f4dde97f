"""Build a demo world: a jurisdiction's units, posts, people and duties, and their records over working days.

Deterministic for a given seed, period and scale. Every record passes the same content rule and gets its lock
time from the same function as any record (records.services), is marked late by the same rule, never overlaps
another of its author's records, and gets its first version in the history. Records are written set-based
(records.bulk) because a Jiading-scale world is 725,000 of them; the structure is small and goes through the
organisation services. What the world plants for analytics to find is written to a manifest beside it.
"""

from __future__ import annotations

import datetime
import itertools
import json
import multiprocessing
import os
import random
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.connection import wait as wait_for_any
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone

from jishi.assessment.demo import build_demo as build_assessment_demo
from jishi.core.services import audit
from jishi.demo import vocabulary as V
from jishi.demo.feedback import seed_feedback
from jishi.integrity.services import chained_max_ids, link_rows, load_register
from jishi.org.calendar import WorkingCalendar, at
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
from jishi.portal.publication import publish_due
from jishi.records.bulk import BulkRecord, BulkRecordWriter, RowPreparer, category_names, next_ids
from jishi.records.models import Category, Visibility, WorkRecord
from jishi.search.services import index_defer, index_rebuild
from jishi.supervision.demo import seed as seed_supervision
from jishi.tasks.demo import seed_tasks

DEMO_PASSWORD = "jishi2026"
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class Scale:
    departments: list[str] | None  # codes from vocabulary.DEPARTMENTS; None: all of them
    towns: int
    sections: tuple[int, int]  # sections (town offices) per department-level unit, low–high
    villages: int  # per town
    social_workers: int  # per village; they may file, and are not owed
    civil_servants: int  # who must file, in the sections (section heads included)
    cadres: int  # district-managed cadres (区管干部), district leaders included
    working_days: int
    records_per_day: int  # the target over the whole world on a working day


SCALES = {
    "tiny": Scale(["ZZB", "CZJ", "MZJ", "JWJ", "QWB"], 1, (2, 2), 1, 2, 30, 24, 8, 60),
    "small": Scale(["QWB", "ZZB", "FGW", "CZJ", "RSJ", "MZJ", "XFB", "JWJ"], 3, (3, 3), 2, 2, 160, 60, 22, 230),
    "medium": Scale(None, 12, (3, 4), 3, 3, 1100, 300, 22, 1450),
    "jiading": Scale(None, 12, (4, 7), 15, 4, 4515, 755, 133, 5300),
}

DEMO_LOGINS = [
    ("staff", "工作人员（区财政局预算科）"),
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

# Pairs of domains that work together more than others (the collaboration network analytics should find).
_NO_DIGITS = str.maketrans("", "", "0123456789")
_UNIT_SUFFIX = re.compile(r"（[^（）]*）$")  # a section's duty is its department's function with the section's name
OWN_DUTY_SHARE = 0.7  # of the records naming a duty, those under the person's own post's or unit's duties
DUTY_WORDS_SHARE = 0.85  # of those, the ones whose topic comes from the duty's own words (the rest: the domain's)
_SPOTS = V.ROADS + V.ESTATES


def _pick(rng: random.Random, items: Any) -> Any:
    """rng.choice, three times faster: a Jiading world asks for some ten million choices."""
    return items[int(rng.random() * len(items))]


def _between(rng: random.Random, low: int, high: int) -> int:
    """rng.randint(low, high), faster."""
    return low + int(rng.random() * (high - low + 1))


COLLABORATING = [
    ("finance", "planning"),
    ("construction", "environment"),
    ("civil", "petitions"),
    ("legal", "petitions"),
    ("health", "civil"),
    ("transport", "construction"),
    ("market", "health"),
    ("emergency", "environment"),
    ("education", "culture"),
    ("town", "civil"),
]


@dataclass
class Member:
    person: Person
    unit: Unit
    domain: str
    is_leader: bool = False
    profile: str = "regular"  # regular, misses, batches, copies
    duty_ids: list[int] = field(default_factory=list)
    # The duties a record of theirs is filed under: mostly their own post's and unit's (a section's, a village's),
    # otherwise their department's other functions (those their own unit does not also name).
    own_duty_ids: list[int] = field(default_factory=list)
    wider_duty_ids: list[int] = field(default_factory=list)
    person_id: int = 0
    own_id: int = 0  # the 本单位
    workload: float = 1.0
    must_file: bool = True
    # Planted for the findings (see _plant): how a member's days look when their unit or they stand out.
    day_shape: str = "regular"  # regular, light (overstaffed unit), full (understaffed unit), long (long hours)
    duty_share: float = 0.85  # the share of records that name a duty
    silo: bool = False  # names no partner unit, and no one names theirs


@dataclass
class DemoWorld:
    people: int
    units: int
    records: int
    logins: list[tuple[str, str, str]]
    manifest: Path
    timings: dict[str, float] = field(default_factory=dict)  # seconds by phase
    notes: list[str] = field(default_factory=list)  # what the layers over the records added


def progress_bar(label: str, done: int, total: int) -> str:
    width = 24
    filled = int(width * done / total) if total else width
    return f"{label} [{'#' * filled}{'-' * (width - filled)}] {done:,}/{total:,}"


class _Structure:
    """Units, posts, people, duties and scoped roles, through the organisation services."""

    def __init__(self, scale: Scale, rng: random.Random, start: datetime.date) -> None:
        self.scale, self.rng = scale, rng
        self.since = start - datetime.timedelta(days=800)
        self.members: list[Member] = []
        self.named: dict[str, Person] = {}
        self.used_names: set[str] = set()
        self.serial = 0
        self.people: list[Person] = []
        self.posts: list[tuple[Person, Position]] = []
        self.workload: dict[str, float] = {}
        self.silo_unit_ids: set[int] = set()
        self.planted: dict[str, Any] = {}  # what _plant planted, for the manifest

    def _name(self) -> str:
        while True:
            given = "".join(self.rng.choice(V.GIVEN) for _ in range(self.rng.choice((1, 2, 2))))
            name = self.rng.choice(V.SURNAMES) + given
            # Namesakes are real (the autocomplete shows unit and post), but keep them rare.
            if name not in self.used_names or self.rng.random() < 0.02:
                self.used_names.add(name)
                return name

    def _person(
        self, category: str = PersonCategory.CIVIL_SERVANT, cadre: bool = False, username: str | None = None
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
            password="!",
        )
        self.people.append(person)
        if username:
            self.named[username] = person
        return person

    def _hold(
        self,
        person: Person,
        unit: Unit,
        title: str,
        rank: str,
        domain: str,
        leadership: str = Leadership.NONE,
        in_charge_of: list[Unit] | None = None,
    ) -> Position:
        position = Position(unit=unit, title=title, rank=rank, leadership=leadership)
        position._in_charge = in_charge_of or []  # type: ignore[attr-defined]
        self.posts.append((person, position))
        self.members.append(Member(person=person, unit=unit, domain=domain, is_leader=leadership != Leadership.NONE))
        return position

    def build(self) -> None:
        scale, rng = self.scale, self.rng
        self.root = unit_save(Unit(name="嘉定区", code="JD", kind=UnitKind.JURISDICTION))
        chosen = [d for d in V.DEPARTMENTS if scale.departments is None or d[1] in scale.departments]
        units: list[tuple[Unit, str]] = []
        for order, (name, code, domain) in enumerate(chosen):
            units.append(
                (
                    unit_save(Unit(name=name, code=code, kind=UnitKind.DEPARTMENT, parent=self.root, sort_order=order)),
                    domain,
                )
            )
        for order, (name, code) in enumerate(V.TOWNS[: scale.towns]):
            units.append(
                (
                    unit_save(Unit(name=name, code=code, kind=UnitKind.TOWN, parent=self.root, sort_order=100 + order)),
                    "town",
                )
            )
        self.department_units = units
        self.workload = {u.code: round(rng.uniform(0.6, 1.6), 2) for u, _ in units}

        # District leaders: the secretary and the district head head the root; deputies are in charge of units.
        deputies = max(2, min(14, scale.cadres // 50))
        leaders = 2 + deputies
        self._hold(
            self._person(cadre=True, username="leader"),
            self.root,
            "区委书记",
            Rank.DISTRICT,
            "office",
            Leadership.PRINCIPAL,
        )
        self._hold(self._person(cadre=True), self.root, "区长", Rank.DISTRICT, "office", Leadership.PRINCIPAL)
        for n in range(deputies):
            share = [u for u, _ in units[n::deputies]]
            finance = any(u.code == "CZJ" for u in share)
            self._hold(
                self._person(cadre=True, username="deputy_leader" if finance else None),
                self.root,
                "副区长" if n % 2 == 0 else "区委常委",
                Rank.DISTRICT,
                "office",
                Leadership.DEPUTY,
                share,
            )

        # District-managed cadres per department-level unit, and civil servants per section, weighted by workload.
        per_unit = _spread(scale.cadres - leaders, [1.0] * len(units))
        section_counts = [rng.randint(*scale.sections) for _ in units]
        weights = [self.workload[u.code] * n for (u, _), n in zip(units, section_counts, strict=True)]
        per_unit_staff = _spread(scale.civil_servants, weights)
        for (unit, domain), cadres, staff, sections in zip(
            units, per_unit, per_unit_staff, section_counts, strict=True
        ):
            self._build_unit(unit, domain, cadres, staff, sections)

    def _build_unit(self, unit: Unit, domain: str, cadres: int, staff: int, section_count: int) -> None:
        rng, code = self.rng, unit.code
        town = domain == "town"
        Duty.objects.bulk_create(
            [Duty(unit=unit, code=f"{code}-{i + 1:02d}", title=t) for i, t in enumerate(V.DUTIES[domain])]
        )
        functions = list(Duty.objects.filter(unit=unit))
        names = V.SECTIONS[domain]
        sections = [
            unit_save(
                Unit(
                    name=f"{unit.name}{names[i % len(names)]}"
                    if town
                    else names[i % len(names)] + ("" if i < len(names) else f"（{i // len(names) + 1}）"),
                    code=f"{code}-S{i + 1}",
                    kind=UnitKind.SECTION,
                    parent=unit,
                    sort_order=i,
                )
            )
            for i in range(section_count)
        ]
        for section in sections:
            picked = rng.sample(functions, k=min(2, len(functions)))
            Duty.objects.bulk_create(
                [
                    Duty(unit=section, code=f"{section.code}-{j + 1:02d}", title=f"{d.title}（{section.name}）")
                    for j, d in enumerate(picked)
                ]
            )

        head_title = "党委书记" if town else ("主任" if domain in ("office", "petitions") else "局长")
        self._hold(
            self._person(cadre=True, username="unit_head" if code == "CZJ" else None),
            unit,
            head_title,
            Rank.DIVISION_PRINCIPAL,
            domain,
            Leadership.PRINCIPAL,
        )
        deputies = min(max(2, cadres // 3), len(sections), max(cadres - 1, 0))
        for n in range(deputies):
            self._hold(
                self._person(cadre=True),
                unit,
                "副镇长" if town else "副局长",
                Rank.DIVISION_DEPUTY,
                domain,
                Leadership.DEPUTY,
                sections[n::deputies],
            )
        for _ in range(max(cadres - 1 - deputies, 0)):
            self._hold(
                self._person(cadre=True),
                unit,
                "二级调研员",
                rng.choice([Rank.DIVISION_PRINCIPAL, Rank.DIVISION_DEPUTY]),
                domain,
            )

        for i, (section, count) in enumerate(zip(sections, _spread(staff, [1.0] * len(sections)), strict=True)):
            budget = code == "CZJ" and i == 0
            if count == 0:
                continue
            self._hold(
                self._person(username="section_head" if budget else None),
                section,
                "科长",
                Rank.SECTION_PRINCIPAL,
                domain,
                Leadership.PRINCIPAL,
            )
            for k in range(count - 1):
                rank = rng.choice([Rank.STAFF, Rank.STAFF, Rank.STAFF, Rank.CLERK, Rank.SECTION_DEPUTY])
                username = None
                if k == 0 and i == 0:
                    username = {
                        "CZJ": "staff",
                        "MZJ": "colleague",
                        "JWJ": "inspector",
                        "ZZB": "hr",
                        "QWB": "admin",
                    }.get(code)
                self._hold(self._person(username=username), section, f"{section.name}{Rank(rank).label}", rank, domain)
        if town:
            for v in range(self.scale.villages):
                stem = V.VILLAGE_STEMS[v % len(V.VILLAGE_STEMS)]
                village = unit_save(
                    Unit(
                        name=V.VILLAGES[(v // len(V.VILLAGE_STEMS)) % len(V.VILLAGES)].format(stem)
                        + ("" if v < len(V.VILLAGE_STEMS) * len(V.VILLAGES) else str(v)),
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
                self._hold(
                    self._person(category=PersonCategory.SOCIAL_WORKER),
                    village,
                    "居委会主任",
                    Rank.NONE,
                    "village",
                    Leadership.PRINCIPAL,
                )
                for w in range(self.scale.social_workers):
                    first = code == V.TOWNS[0][1] and v == 0 and w == 0
                    self._hold(
                        self._person(
                            category=PersonCategory.SOCIAL_WORKER, username="social_worker" if first else None
                        ),
                        village,
                        "社工",
                        Rank.NONE,
                        "village",
                    )

    def save(self) -> None:
        """Write people, posts and assignments set-based; give the demo logins a password and scoped roles."""
        Person.objects.bulk_create(self.people, batch_size=1000)
        Position.objects.bulk_create([p for _, p in self.posts], batch_size=1000)
        through = Position.in_charge_of.through
        through.objects.bulk_create(
            [through(position_id=p.pk, unit_id=u.pk) for _, p in self.posts for u in p._in_charge]
        )  # type: ignore[attr-defined]
        Assignment.objects.bulk_create(
            [
                Assignment(
                    person=person,
                    position=position,
                    kind=AssignmentKind.PRIMARY,
                    start=self.since + datetime.timedelta(days=self.rng.randint(0, 200)),
                )
                for person, position in self.posts
            ],
            batch_size=1000,
        )
        Person.objects.filter(pk__in=[p.pk for p in self.named.values()]).update(
            password=make_password(DEMO_PASSWORD)
        )  # one hash for all: each costs a second by design
        for username, role in (("inspector", Role.INSPECTOR), ("hr", Role.HR), ("admin", Role.ADMIN)):
            if username in self.named:
                RoleGrant.objects.create(
                    person=self.named[username], role=role, all_units=True, granted_on=self.since, note="演示授权"
                )
        by_unit: dict[int, list[int]] = {}
        by_position: dict[int, list[int]] = {}
        work: dict[int, str] = {}  # a duty's title without a section's name: the work it names
        for duty_id, unit_id, position_id, title in Duty.objects.values_list("id", "unit_id", "position_id", "title"):
            (by_position.setdefault(position_id, []) if position_id else by_unit.setdefault(unit_id, [])).append(
                duty_id
            )
            work[duty_id] = _UNIT_SUFFIX.sub("", title)
        for member, (_, position) in zip(self.members, self.posts, strict=True):
            unit = member.unit
            member.person_id = member.person.pk
            member.own_id = unit.department_id or unit.pk
            member.workload = self.workload.get((unit.department or unit).code, 1.0)
            member.must_file = member.person.filing_obligation == FilingObligation.REQUIRED
            member.duty_ids = (
                by_position.get(position.pk, [])
                + by_unit.get(unit.pk, [])
                + by_unit.get(unit.department_id or unit.pk, [])
            )
            own = list(dict.fromkeys(by_position.get(position.pk, []) + by_unit.get(unit.pk, [])))
            named = {work[d] for d in own}
            member.own_duty_ids = own
            member.wider_duty_ids = [
                d for d in dict.fromkeys(by_unit.get(unit.department_id or unit.pk, [])) if work[d] not in named
            ]


def _spread(total: int, weights: list[float]) -> list[int]:
    """Split `total` into integers proportional to `weights` (largest remainder), summing exactly to `total`."""
    if not weights:
        return []
    whole = sum(weights)
    raw = [total * w / whole for w in weights]
    parts = [int(r) for r in raw]
    for i in sorted(range(len(raw)), key=lambda i: raw[i] - parts[i], reverse=True)[: total - sum(parts)]:
        parts[i] += 1
    return parts


class _Writer:
    """Compose believable records day by day and hand them to the bulk writer."""

    def __init__(
        self,
        structure: _Structure,
        scale: Scale,
        seed: int,
        days: list[datetime.date],
        today: datetime.date | None,
        now: datetime.datetime,
    ) -> None:
        """`today`: a working day whose morning is partly filed already, or None."""
        self.s, self.scale, self.days, self.today, self.now = structure, scale, days, today, now
        self.seed = seed
        self.rng = random.Random(seed)
        self.members = structure.members
        self.absences = {a.person_id: (a.start, a.end) for a in Absence.objects.all()}
        self.categories = {c.code: c.pk for c in Category.objects.all()}
        self.codes = [
            "meeting",
            "meeting",
            "documents",
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
        self.unit_names = [u.name for u, _ in structure.department_units]
        self.units_by_domain: dict[str, list[Unit]] = {}
        for unit, domain in structure.department_units:
            self.units_by_domain.setdefault(domain, []).append(unit)
        self.partners: dict[str, list[str]] = {}
        for a, b in COLLABORATING:
            self.partners.setdefault(a, []).append(b)
            self.partners.setdefault(b, []).append(a)
        self.colleagues: dict[int, list[int]] = {}
        for m in structure.members:
            self.colleagues.setdefault(m.unit.department_id or m.unit.pk, []).append(m.person.pk)
        self.recent: dict[int, set[int]] = {}
        self.last: dict[int, tuple[str, int | None]] = {}  # a person's previous content and duty (copy-paste)
        # The words of the work under each duty (vocabulary.DUTY_TOPICS by the duty's title without a section's name).
        self.duty_topics: dict[int, list[str]] = {}
        for duty_id, title in Duty.objects.values_list("id", "title"):
            topics = V.DUTY_TOPICS.get(_UNIT_SUFFIX.sub("", title))
            if topics:
                self.duty_topics[duty_id] = topics
        self.pools: dict[tuple[str, int, bool], list[Unit]] = {}
        self.slot_times: dict[tuple[datetime.date, int, int], datetime.datetime] = {}

    def _partner_unit(self, domain: str, own: int) -> Unit:
        close = domain in self.partners and self.rng.random() < 0.6
        key = (domain, own, close)
        pool = self.pools.get(key)
        if pool is None:
            near = [u for other in self.partners.get(domain, []) for u in self.units_by_domain.get(other, [])]
            silos = self.s.silo_unit_ids
            pool = [u for u in (near if close else []) if u.pk != own and u.pk not in silos] or [
                u for u, _ in self.s.department_units if u.pk != own and u.pk not in silos
            ]
            self.pools[key] = pool
        return _pick(self.rng, pool)

    def _moment(self, day: datetime.date, minutes: int) -> datetime.datetime:
        """Minutes after midnight on a day in the jurisdiction, as a UTC moment (cheap to compare)."""
        key = (day, minutes // 60, minutes % 60)
        moment = self.slot_times.get(key)
        if moment is None:
            moment = at(day, datetime.time(minutes // 60, minutes % 60)).astimezone(datetime.UTC)
            self.slot_times[key] = moment
        return moment

    def _duty(self, member: Member) -> int | None:
        """The duty a record serves, chosen before its words: mostly one of the person's own post or unit."""
        rng = self.rng
        if not member.duty_ids or rng.random() >= member.duty_share:
            return None
        own, wider = member.own_duty_ids, member.wider_duty_ids
        if own and (not wider or rng.random() < OWN_DUTY_SHARE):
            return int(_pick(rng, own))
        return int(_pick(rng, wider or member.duty_ids))

    def _content(self, member: Member, code: str, partner: str, duty_id: int | None) -> str:
        """A record's words: its topic from the duty it serves (some work reads like any of the domain's)."""
        rng = self.rng
        topics = self.duty_topics.get(duty_id) if duty_id is not None else None
        if topics is None or rng.random() >= DUTY_WORDS_SHARE:
            topics = V.TOPICS[member.domain]
        for _ in range(20):
            fill = {
                "t": _pick(rng, topics),
                "p": partner,
                "n": _between(rng, 2, 12),
                "m": _between(rng, 5, 900),
                "w": _pick(rng, V.WHEN),
                "v": _pick(rng, _SPOTS),
                "e": _pick(rng, V.ENTERPRISES),
            }
            fill["o"] = _pick(rng, V.OUTCOMES).format(**fill)
            text = _pick(rng, V.PATTERNS[code]).format(**fill)
            fill.update(
                n=_between(rng, 2, 12), m=_between(rng, 5, 900), v=_pick(rng, _SPOTS), e=_pick(rng, V.ENTERPRISES)
            )
            text += "，" + _pick(rng, V.DETAILS).format(**fill)
            key = hash(text.translate(_NO_DIGITS))  # a number, not the text: six thousand people's sentences
            seen = self.recent.setdefault(member.person_id, set())
            if key not in seen:  # the same person does not write the same sentence twice by chance
                break
        seen.add(key)
        return text

    def part(self, index: int, parts: int) -> _Writer:
        """This writer's share of the people (every `parts`-th member), with its own random stream."""
        self.members = self.s.members[index::parts]
        self.rng = random.Random(f"{self.seed}-{index}-{parts}")
        return self

    def all_records(self, weekends: list[datetime.date]) -> Iterator[BulkRecord]:
        yield from self.records()
        yield from self.weekend_records(weekends)

    def records(self) -> Iterator[BulkRecord]:
        scale, rng = self.scale, self.rng
        members = self.members
        everyone = self.s.members
        filers = sum(m.must_file for m in everyone)
        expected = filers * 0.94 + (len(everyone) - filers) * 0.3
        extra = max(0.0, min(0.9, scale.records_per_day / max(expected, 1) - 1))
        absences = self.absences
        for day in [*self.days, *([self.today] if self.today else [])]:
            is_today = day == self.today
            for member in members:
                if is_today and (member.person.username == "staff" or rng.random() < 0.6):
                    continue
                away = absences.get(member.person_id)
                if away and away[0] <= day <= away[1]:
                    continue
                if not member.must_file:
                    if rng.random() > 0.3:
                        continue
                elif rng.random() < (0.25 if member.profile == "misses" else 0.03):
                    continue
                weight = member.workload
                count = 1 + (rng.random() < extra * weight) + (rng.random() < extra * weight * 0.2)
                if member.day_shape == "full":
                    count = 3
                elif member.day_shape == "light":
                    count = 1
                yield from self._day(member, day, min(count, 3))

    def weekend_records(self, weekends: list[datetime.date]) -> Iterator[BulkRecord]:
        for day in weekends:
            for member in self.rng.sample(self.members, k=max(1, len(self.members) // 60)):
                yield from self._day(member, day, 1, code="duty_shift")

    SLOT_MINUTES = [(8 * 60 + 30, 150), (13 * 60 + 30, 120), (15 * 60 + 45, 90)]

    # A planted long day: early morning to near midnight, 17.5 hours recorded (no overlap, no 全天 placeholder).
    LONG_DAY = [(6 * 60, 360), (12 * 60, 360), (18 * 60, 330)]

    def _day(self, member: Member, day: datetime.date, count: int, code: str | None = None) -> Iterator[BulkRecord]:
        rng = self.rng
        if code is None and member.day_shape == "long" and rng.random() < 0.35:
            for begin, length in self.LONG_DAY:
                start_at, end_at = self._moment(day, begin), self._moment(day, begin + length)
                if end_at <= self.now:
                    yield self._record(member, day, _pick(rng, self.codes), start_at, end_at)
            return
        slots = (0,) if count == 1 and rng.random() < 0.6 else sorted(rng.sample(range(3), k=count))
        for slot in slots:
            begin, length = self.SLOT_MINUTES[slot]
            if code == "duty_shift":
                begin, length = 9 * 60, 8 * 60
            elif member.day_shape == "full":
                pass  # the whole slot, every slot: a unit whose people work full days
            elif member.day_shape == "light":
                begin += _pick(rng, (0, 15, 30, 45))
                length = _pick(rng, (30, 45, 60))
            else:
                begin += _pick(rng, (0, 15, 30, 45))
                length -= _pick(rng, (0, 15, 30, 45))
            start_at = self._moment(day, begin)
            end_at = self._moment(day, begin + length)
            if end_at > self.now:
                continue
            yield self._record(member, day, code or _pick(rng, self.codes), start_at, end_at)

    # Front-line work names the citizens it served, with their phone: the portal redacts them before publication
    # (issue 18). Drawn from a generator of its own, so the rest of the world is what it was.
    CITIZEN_DOMAINS = ("petitions", "civil", "village", "town", "labour")
    CITIZEN_RESULTS = (
        "来访人{name}（电话{phone}）的诉求已登记转办",
        "已电话回复居民{name}，联系电话{phone}",
        "低保户{name}的补助已核实发放，联系电话{phone}",
        "村民{name}反映的问题已现场答复，留存电话{phone}",
    )

    def _result(self, member: Member, start_at: datetime.datetime) -> str:
        result = _pick(self.rng, V.RESULTS)
        if member.domain not in self.CITIZEN_DOMAINS:
            return result
        rng = random.Random(f"{self.seed}-citizen-{member.person_id}-{start_at.isoformat()}")
        if rng.random() >= 0.25:
            return result
        name = rng.choice(V.SURNAMES) + "".join(rng.choice(V.GIVEN) for _ in range(rng.choice((1, 2))))
        phone = "1" + rng.choice("3589") + "".join(rng.choice("0123456789") for _ in range(9))
        return rng.choice(self.CITIZEN_RESULTS).format(name=name, phone=phone)

    def _record(
        self, member: Member, day: datetime.date, code: str, start_at: datetime.datetime, end_at: datetime.datetime
    ) -> BulkRecord:
        rng, person_id, own = self.rng, member.person_id, member.own_id
        partner = self._partner_unit(member.domain, own)
        copied = member.profile == "copies" and person_id in self.last and rng.random() < 0.6
        if copied:  # copy-paste repeats the duty too
            content, duty_id = self.last[person_id]
        else:
            duty_id = self._duty(member)
            content = self._content(member, code, partner.name, duty_id)
        self.last[person_id] = (content, duty_id)
        submitted = self._moment(day, 17 * 60 + _between(rng, 0, 150))
        if member.profile == "batches":
            friday = day + datetime.timedelta(days=(4 - day.weekday()) % 7)
            submitted = self._moment(friday, 17 * 60 + 40)
        elif rng.random() < 0.03:  # the next morning
            submitted = self._moment(day + datetime.timedelta(days=1), 8 * 60 + _between(rng, 0, 60))
        if submitted > self.now:
            submitted = min(max(end_at + datetime.timedelta(minutes=_between(rng, 1, 40)), submitted), self.now)
        sensitive = member.domain in ("petitions", "personnel", "inspection", "legal") and rng.random() < 0.3
        roll = rng.random()
        public_share = 0.2 if member.is_leader else 0.03
        visibility = (
            Visibility.PUBLIC
            if roll < public_share
            else Visibility.UNIT
            if roll < public_share + 0.04
            else Visibility.SUPERIORS
            if roll < public_share + 0.06
            else Visibility.INTERNAL
        )
        participants: list[tuple[int | None, int | None, str]] = []
        if code in ("meeting", "research", "inspection") and rng.random() < 0.35:
            pool = self.colleagues[own]
            for other in rng.sample(pool, k=min(len(pool), _between(rng, 1, 3))):
                if other != person_id:
                    participants.append((other, None, ""))
        if code in ("meeting", "research", "official_trip", "inspection") and rng.random() < 0.3 and not member.silo:
            participants.append((None, partner.pk, self.s._name() if rng.random() < 0.4 else ""))
        places = V.PLACES.get(member.domain, V.PLACES["default"])
        return BulkRecord(
            author_id=person_id,
            unit_id=member.unit.pk,
            department_id=own,
            date=day,
            start_at=start_at,
            end_at=end_at,
            category_id=self.categories[code],
            content=content,
            place=_pick(rng, places) if rng.random() < 0.5 else "",
            duty_id=duty_id,
            result=self._result(member, start_at),
            visibility=visibility,
            is_sensitive=sensitive,
            submitted_at=submitted,
            participants=participants,
            copied=copied,
        )


def _working_days_before(today: datetime.date, count: int, calendar: WorkingCalendar) -> list[datetime.date]:
    days: list[datetime.date] = []
    day = today - datetime.timedelta(days=1)
    while len(days) < count:
        if calendar.is_working_day(day):
            days.append(day)
        day -= datetime.timedelta(days=1)
    return sorted(days)


def manifest_path() -> Path:
    return Path(settings.DATA_DIR) / "demo-manifest.json"


def build_world(
    *,
    scale: str = "jiading",
    seed: int = 2014,
    start: datetime.date | None = None,
    end: datetime.date | None = None,
    today: datetime.date | None = None,
    progress: Progress | None = None,
    workers: int = 2,
    search_index: bool = True,
) -> DemoWorld:
    """Build the demo world into an empty database (the caller migrates and empties it first).

    Without `search_index` the world is ready without its full-text index, which the caller then fills while
    Jishi serves (`jishi search_index --live`).

    By default the records cover the scale's number of working days up to yesterday; `start`/`end` choose a
    period instead (e.g. 2014-01-01 to 2014-07-15, the original's first six and a half months).
    """
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}; choose one of {', '.join(SCALES)}")
    size = SCALES[scale]
    report = progress or (lambda label, done, total: None)
    rng = random.Random(seed)
    now = timezone.now()
    today = today or timezone.localdate()
    if end is not None:
        today = min(today, end + datetime.timedelta(days=1))
        now = min(now, timezone.make_aware(datetime.datetime.combine(today, datetime.time.min)))
    span_start = (start or today - datetime.timedelta(days=size.working_days * 2)) - datetime.timedelta(days=10)
    calendar = WorkingCalendar(span_start, today + datetime.timedelta(days=60))
    if start is not None:
        days = [d for d in calendar.working_days() if start <= d < today]
    else:
        days = _working_days_before(today, size.working_days, calendar)
    if not days:
        raise ValueError("the period has no working day")

    timings: dict[str, float] = {}
    started = time.perf_counter()
    before = chained_max_ids()  # what the build writes past these is registered as its bulk load, then sealed
    structure = _Structure(size, rng, days[0])
    with transaction.atomic():
        structure.build()
        structure.save()
        report("组织", len(structure.people), len(structure.people))
        _texture(structure, rng, days)
    timings["organisation"] = time.perf_counter() - started
    filing_today = end is None and calendar.is_working_day(today)
    weekends = [
        d
        for d in (days[0] + datetime.timedelta(days=n) for n in range((today - days[0]).days))
        if not calendar.is_working_day(d)
    ]
    writer = _Writer(structure, size, seed, days, today if filing_today else None, now)
    expected = int(size.records_per_day * len(days) * 1.02)
    with transaction.atomic():
        bulk = BulkRecordWriter(defer_indexes=True, progress=lambda done: report("记实", done, expected))
        _write_in_parallel(writer, weekends, calendar, bulk, workers=workers)
        count = bulk.finish()
        timings["inserting"] = bulk.seconds_inserting
        timings["indexing"] = bulk.seconds_indexing
        audit(
            actor=None,
            verb="demo.build",
            target=structure.root,
            data={"scale": scale, "seed": seed, "records": count, "people": len(structure.people)},
        )
    report("记实", count, count)
    timings["records"] = time.perf_counter() - started - timings["organisation"]
    notes = _layers(
        seed=seed,
        days=days,
        today=today,
        now=now,
        workers=workers,
        timings=timings,
        report=report,
        search_index=search_index,
        before=before,
    )
    path = _write_manifest(structure, writer, bulk, scale=scale, seed=seed, days=days)
    _refresh_planner_statistics()
    logins = [(u, structure.named[u].full_name, label) for u, label in DEMO_LOGINS if u in structure.named]
    return DemoWorld(
        timings=timings,
        people=len(structure.people),
        units=Unit.objects.count(),
        records=count,
        logins=logins,
        manifest=path,
        notes=notes,
    )


# Supervision (views, comments, inquiries) is seeded on the most recent weeks only: enough for the overview of
# "this month" and every record page of recent work, without tripling the build.
SUPERVISION_DAYS = 14


def _layers(
    *,
    seed: int,
    days: list[datetime.date],
    today: datetime.date,
    now: datetime.datetime,
    workers: int,
    timings: dict[str, float],
    report: Progress,
    search_index: bool,
    before: dict[str, int],
) -> list[str]:
    """What people do with the records (supervision, tasks), then the integrity chain over all of it and the search
    index — each through its app's own set-based writer, timed. The chain seals what the build registers: every
    history row it wrote past the ids `before` it began."""

    def phase(label: str, key: str, work: Callable[[], Any]) -> Any:
        report(label, 0, 1)
        moment = time.perf_counter()
        result = work()
        timings[key] = time.perf_counter() - moment
        report(label, 1, 1)
        return result

    supervision = phase(
        "监督",
        "supervision",
        lambda: seed_supervision(
            rng=random.Random(f"{seed}-supervision"), until=days[-1], days=SUPERVISION_DAYS, now=now
        ),
    )
    tasks = phase("督办", "tasks", lambda: seed_tasks(seed=seed, today=today))
    # 政务公开: what is due by the build's today goes out redacted, as the worker would have published it (P-pub).
    published = phase("政务公开", "portal", lambda: publish_due(today=today))
    # 留言: citizens' messages on the leaders' newest public records, moderated and partly answered (P-feedback).
    messages = phase("留言", "feedback", lambda: seed_feedback(rng=random.Random(f"{seed}-feedback")))

    def seal() -> Any:
        written = {name: [(before.get(name, 0) + 1, top)] for name, top in chained_max_ids().items()}
        load = load_register(actor=None, source="demo.build", runs=written)
        return link_rows(loads=[load], workers=workers)

    chain = phase("完整性链", "chain", seal)
    # 考核 after the chain: its services seal their own steps, and it registers its bulk steps as a load of its own.
    logins = [u for u, _ in DEMO_LOGINS]
    assessed = phase("考核", "assessment", lambda: build_assessment_demo(today=today, seed=seed, showcase=logins))
    if not search_index:
        index_defer()
    search = phase("检索索引", "search", index_rebuild) if search_index else None
    return [
        f"监督（最近 {SUPERVISION_DAYS} 天）：浏览 {supervision.views:,}，点评 {supervision.comments:,}，"
        f"质询 {supervision.inquiries:,}，参与确认 {supervision.confirmations:,}，纪检线索 {supervision.flags:,}",
        f"督办：{tasks.tasks:,} 项（逾期 {tasks.overdue}，停滞 {tasks.stuck}），关联记实 {tasks.links:,}",
        f"政务公开：已公开 {published:,} 条（脱敏后）",
        f"留言：{messages.messages:,} 条，已公开答复 {messages.answered:,} 条",
        f"考核：上季度平时考核已确定 {assessed.decided:,} 人（公示 {assessed.noticed_units} 个单位），复核 "
        f"{assessed.reviews}、申诉 {assessed.appeals}；年度考核已发起；个人总结 {assessed.summaries:,} 份",
        f"完整性链：{chain.total:,} 条；"
        + (f"检索索引：{search.records:,} 条记实" if search else "检索索引：启动后在后台建立"),
    ]


def _write_in_parallel(
    writer: _Writer, weekends: list[datetime.date], calendar: WorkingCalendar, bulk: BulkRecordWriter, *, workers: int
) -> None:
    """Compose and prepare rows in `workers` forked processes, each for an equal share of the people, while this
    process inserts every batch as it arrives (SQLite takes one writer). Composing costs several times what inserting
    does, so the inserting process would hold back its core if it composed a share too: the operating system gives
    the composers the time it does not use. Ids are interleaved by share, so the world is the same whatever order the
    batches arrive in."""
    first = next_ids()
    names = category_names()
    context = multiprocessing.get_context("fork")
    composers: dict[Connection, BaseProcess] = {}  # each composer's end of its pipe, and the composer
    try:
        for index in range(workers):
            receiver, sender = context.Pipe(duplex=False)
            preparer = RowPreparer(
                calendar=calendar,
                category_names=names,
                ids=(
                    itertools.count(first[0] + index, workers),
                    itertools.count(first[1] + index, workers),
                    itertools.count(first[2] + index, workers),
                ),
            )
            child = context.Process(
                target=_prepare_share, args=(writer, index, workers, weekends, preparer, sender), daemon=True
            )
            child.start()
            sender.close()
            composers[receiver] = child
        while composers:
            for receiver in wait_for_any(list(composers)):
                message = receiver.recv()
                if message is None:
                    composers.pop(receiver).join()
                elif isinstance(message, Exception):
                    raise message
                else:
                    bulk.insert(message)
    finally:
        for child in composers.values():  # only after a failure: stop the others
            child.terminate()
            child.join()


def _prepare_share(
    writer: _Writer, index: int, workers: int, weekends: list[datetime.date], preparer: RowPreparer, sender: Any
) -> None:
    """In a forked worker: prepare this share's batches and send them; never touch the database."""
    code = 0
    try:
        for batch in preparer.prepare(writer.part(index, workers).all_records(weekends)):
            sender.send(batch)
        sender.send(None)
    except Exception as exc:  # reported to the parent, which raises it
        sender.send(exc)
        code = 1
    finally:
        sender.close()
        os._exit(code)  # skip the inherited database connection's clean-up


def _texture(structure: _Structure, rng: random.Random, days: list[datetime.date]) -> None:
    """Who misses days, who batches late entries, who copies; a few absences."""
    for member in structure.members:
        roll = rng.random()
        member.profile = (
            "misses" if roll < 0.08 else "batches" if roll < 0.13 else "copies" if roll < 0.15 else "regular"
        )
        if member.person.username == "staff":
            member.profile = "misses"
        elif member.profile == "batches" and not member.must_file:
            member.profile = "regular"  # a batch is a backlog of owed days; voluntary filers owe none
    absent = rng.sample(structure.members, k=max(1, len(structure.members) // 30))
    rows = []
    for m in absent:
        first = days[rng.randrange(len(days))]
        rows.append(
            Absence(
                person=m.person,
                kind=rng.choice(list(AbsenceKind)),
                note="演示",
                start=first,
                end=first + datetime.timedelta(days=rng.randint(0, 4)),
            )
        )
    Absence.objects.bulk_create(rows)
    _plant(structure, random.Random(rng.random()), days)


# Units whose people the demo logins are: they stay ordinary, so that the guided tour shows an ordinary district.
_LOGIN_UNITS = {"CZJ", "MZJ", "JWJ", "ZZB", "QWB"}


def _plant(structure: _Structure, rng: random.Random, days: list[datetime.date]) -> None:
    """Plant what the findings should find, each in its own units and people (written to the manifest):
    an overstaffed bureau (short days), an understaffed one (full days), silo units (no partner unit either way),
    a bureau whose work mostly names no duty, duties no one serves, and people who record implausibly long days.
    Only where the peer group is big enough to compare with (eight bureaus or more besides the demo logins'): a small
    world plants none."""
    bureaus = [u for u, _ in structure.department_units if u.kind == UnitKind.DEPARTMENT]
    towns = [u for u, _ in structure.department_units if u.kind == UnitKind.TOWN]
    planted: dict[str, Any] = {
        "overstaffed": [],
        "understaffed": [],
        "silo": [],
        "off_duty": [],
        "idle_duties": [],
        "long_hours": [],
    }
    structure.planted = planted
    free = [u for u in bureaus if u.code not in _LOGIN_UNITS]
    if len(free) < 8:
        return
    rng.shuffle(free)
    chosen = {"understaffed": free[0], "overstaffed": free[1], "off_duty": free[2]}
    silos = [free[3]] + ([rng.choice(towns)] if len(towns) >= 6 else [free[4]])
    shape = {chosen["understaffed"].pk: "full", chosen["overstaffed"].pk: "light"}
    structure.silo_unit_ids = {u.pk for u in silos}
    for member in structure.members:
        own = member.unit.department_id or member.unit.pk
        member.day_shape = shape.get(own, "regular")
        member.silo = own in structure.silo_unit_ids
        if own == chosen["off_duty"].pk:
            member.duty_share = 0.15
    for kind in ("understaffed", "overstaffed", "off_duty"):
        planted[kind].append(chosen[kind].code)
    planted["silo"] = [u.code for u in silos]

    # Duties in the mandate that no one's post serves: added after everyone's duties were read (save()).
    idle_units = [u for u in free[5:8] if u not in silos]
    idle = []
    for unit in idle_units:
        domain = next(d for u, d in structure.department_units if u.pk == unit.pk)
        for n, title in enumerate(rng.sample(V.DUTIES[domain], k=2)):
            idle.append(Duty(unit=unit, code=f"{unit.code}-9{n + 1}", title=f"{title}（专项）"))
    Duty.objects.bulk_create(idle)
    planted["idle_duties"] = [d.code for d in idle]

    # People who record 17.5-hour days on about a third of their working days: filers of ordinary units, one each.
    special = {u.pk for u in [*chosen.values(), *silos]}
    candidates = [
        m
        for m in structure.members
        if m.must_file
        and m.profile == "regular"
        and not m.is_leader
        and m.person.username.startswith("p")
        and (m.unit.department_id or m.unit.pk) not in special
        and m.person.username not in structure.named
    ]
    picked: list[Member] = []
    departments: set[int] = set()
    for member in rng.sample(candidates, k=len(candidates)):
        own = member.unit.department_id or member.unit.pk
        if own not in departments:
            departments.add(own)
            picked.append(member)
        if len(picked) == 4:
            break
    for member in picked:
        member.day_shape = "long"
    planted["long_hours"] = [m.person.username for m in picked]


def _write_manifest(
    structure: _Structure, writer: _Writer, bulk: BulkRecordWriter, *, scale: str, seed: int, days: list[datetime.date]
) -> Path:
    """What the world plants, for analytics to find and for tests to check against."""
    planted = structure.planted or {}
    planted = {
        k: planted.get(k, []) for k in ("overstaffed", "understaffed", "silo", "off_duty", "idle_duties", "long_hours")
    }
    profiles: dict[str, list[str]] = {}
    for m in structure.members:
        if m.profile != "regular":
            profiles.setdefault(m.profile, []).append(m.person.username)
    manifest = {
        "scale": scale,
        "seed": seed,
        "period": {"first": days[0].isoformat(), "last": days[-1].isoformat(), "working_days": len(days)},
        "people": len(structure.people),
        "records": bulk.written,
        "profiles": {
            "misses": {"what": "skip about a quarter of owed working days", "people": profiles.get("misses", [])},
            "batches": {
                "what": "file the week's records late, on Friday, within the late-entry window",
                "people": profiles.get("batches", []),
            },
            "copies": {
                "what": "repeat their previous record's content about 60% of the time",
                "people": profiles.get("copies", []),
            },
        },
        "planted_near_duplicates": {
            "what": "records whose content copies the author's previous record",
            "record_ids": bulk.copied_ids,
        },
        "collaboration": {
            "what": "domain pairs whose units name each other as partners far more often",
            "pairs": COLLABORATING,
            "units": {d: [u.code for u in us] for d, us in writer.units_by_domain.items()},
        },
        "workload_per_head": {"what": "relative records per person per day, by unit code", "units": structure.workload},
        "findings": {
            "what": "what the findings should find (jishi.insights.findings): unit codes, duty codes, usernames; "
            "copy_paste and backfill are the profiles copies and batches",
            "overstaffed": {"what": "bureau whose people record 30–60 minutes a day", "units": planted["overstaffed"]},
            "understaffed": {
                "what": "bureau whose people record three full slots (six hours) every day",
                "units": planted["understaffed"],
            },
            "silo": {
                "what": "units that name no partner unit and that no other unit names as partner",
                "units": planted["silo"],
            },
            "off_duty": {
                "what": "bureau whose records name a duty 15% of the time (others 85%)",
                "units": planted["off_duty"],
            },
            "idle_duty": {
                "what": "duties in a unit's mandate that no post serves; also_idle: duties the random draw left "
                "without a record over the whole period (idle too, though not planted)",
                "duties": planted["idle_duties"],
                "also_idle": _idle_duties(days, exclude=planted["idle_duties"]),
            },
            "long_hours": {
                "what": "people who record 17.5-hour days on about a third of their working days",
                "people": planted["long_hours"],
            },
            "copy_paste": {"people": profiles.get("copies", [])},
            "backfill": {"people": profiles.get("batches", [])},
        },
    }
    path = manifest_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(manifest, ensure_ascii=False, indent=1))
    return path


def _idle_duties(days: list[datetime.date], *, exclude: list[str]) -> list[str]:
    """Codes of the duties in force that no record of the period names (besides the planted ones)."""
    served = WorkRecord.objects.filter(date__gte=days[0], date__lte=days[-1], duty__isnull=False).values("duty_id")
    idle = Duty.objects.filter(retired_on__isnull=True).exclude(pk__in=served).exclude(code__in=exclude)
    return sorted(idle.values_list("code", flat=True))


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


def manifest() -> dict[str, Any]:
    return json.loads(manifest_path().read_text())

"""Organisation read endpoints: units, positions, people, duties. Every staff account may read them."""

from __future__ import annotations

import datetime

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema

from jishi.core.schemas import Id, answers
from jishi.org.calendar import local_today
from jishi.org.models import Assignment, Duty, Person, Position, Unit
from jishi.org.selectors import name_matches

router = Router(tags=["组织"])


class UnitOut(Schema):
    id: int
    name: str
    code: str
    kind: str
    tier: int
    parent_id: int | None
    department_id: int | None
    valid_from: datetime.date
    valid_to: datetime.date | None


class PositionOut(Schema):
    id: int
    unit_id: int
    title: str
    rank: str
    leadership: str
    in_charge_of: list[int]


class PostOut(Schema):
    position_id: int
    unit_id: int
    unit_name: str
    title: str
    kind: str
    start: datetime.date
    end: datetime.date | None


class PersonOut(Schema):
    id: int
    name: str
    employee_number: str | None
    category: str
    filing_obligation: str
    is_district_cadre: bool
    posts: list[PostOut]


class DutyOut(Schema):
    id: int
    unit_id: int
    position_id: int | None
    code: str
    title: str
    retired_on: datetime.date | None


def _person_out(person: Person, posts: list[Assignment]) -> PersonOut:
    return PersonOut(
        id=person.pk,
        name=person.full_name,
        employee_number=person.employee_number,
        category=person.category,
        filing_obligation=person.filing_obligation,
        is_district_cadre=person.is_district_cadre,
        posts=[
            PostOut(
                position_id=a.position_id,
                unit_id=a.position.unit_id,
                unit_name=a.position.unit.name,
                title=a.position.title,
                kind=a.kind,
                start=a.start,
                end=a.end,
            )
            for a in posts
        ],
    )


@router.get("/units", response=answers(list[UnitOut]), summary="单位列表")
def list_units(request: HttpRequest, parent: Id | None = None, kind: str | None = None) -> list[Unit]:
    units = Unit.objects.all()
    if parent is not None:
        units = units.filter(parent_id=parent)
    if kind:
        units = units.filter(kind=kind)
    return list(units[:2000])


@router.get("/units/{unit_id}", response=answers(UnitOut, 404), summary="单位详情")
def get_unit(request: HttpRequest, unit_id: Id) -> Unit:
    return get_object_or_404(Unit, pk=unit_id)


@router.get("/positions", response=answers(list[PositionOut]), summary="岗位列表")
def list_positions(request: HttpRequest, unit: Id | None = None) -> list[PositionOut]:
    positions = Position.objects.prefetch_related("in_charge_of")
    if unit is not None:
        positions = positions.filter(unit_id=unit)
    return [
        PositionOut(
            id=p.pk,
            unit_id=p.unit_id,
            title=p.title,
            rank=p.rank,
            leadership=p.leadership,
            in_charge_of=[u.pk for u in p.in_charge_of.all()],
        )
        for p in positions[:2000]
    ]


@router.get("/people", response=answers(list[PersonOut]), summary="人员列表（按单位，或按姓名、拼音、工号检索）")
def list_people(
    request: HttpRequest,
    unit: Id | None = None,
    q: str = Query("", description="姓名、拼音或拼音首字母的开头，或工号（开头）、登录用户名"),
    limit: int = Query(50, description="最多返回的人数（1–200）"),
) -> list[PersonOut]:
    today = local_today()
    people = Person.objects.filter(is_active=True)
    if unit is not None:
        people = people.filter(assignments__in=Assignment.objects.active_on(today).filter(position__unit_id=unit))
    if q.strip():
        people = people.filter(name_matches(q))
    chosen = list(people.distinct().order_by("name_pinyin", "id")[: max(1, min(limit, 200))])
    posts: dict[int, list[Assignment]] = {}
    for a in Assignment.objects.active_on(today).filter(person__in=chosen).select_related("position__unit"):
        posts.setdefault(a.person_id, []).append(a)
    return [_person_out(p, posts.get(p.pk, [])) for p in chosen]


@router.get("/people/{person_id}", response=answers(PersonOut, 404), summary="人员详情")
def get_person(request: HttpRequest, person_id: Id) -> PersonOut:
    person = get_object_or_404(Person, pk=person_id, is_active=True)
    posts = list(Assignment.objects.active_on(local_today()).filter(person=person).select_related("position__unit"))
    return _person_out(person, posts)


@router.get("/duties", response=answers(list[DutyOut]), summary="职责目录")
def list_duties(request: HttpRequest, unit: Id | None = None, position: Id | None = None) -> list[Duty]:
    duties = Duty.objects.all()
    if unit is not None:
        duties = duties.filter(unit_id=unit)
    if position is not None:
        duties = duties.filter(position_id=position)
    return list(duties[:2000])

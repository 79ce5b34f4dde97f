"""Feed and follow endpoints: the same selectors and services as the pages."""

from __future__ import annotations

import datetime

from django.http import HttpResponse
from ninja import Query, Router, Schema, Status

from jishi.core.schemas import Id, answers
from jishi.feeds.selectors import Feed, feed_page, following
from jishi.feeds.services import follow, unfollow
from jishi.org.http import AuthedRequest
from jishi.records.api import RecordPageOut, record_page_out
from jishi.records.selectors import RecordFilters

router = Router(tags=["动态"])
UNITS = Query([], description="跨部门动态：只看这些单位")


class FollowIn(Schema):
    person_id: Id | None = None
    unit_id: Id | None = None


class FollowOut(Schema):
    person_id: int | None
    person_name: str | None
    unit_id: int | None
    unit_name: str | None
    created_at: datetime.datetime


@router.get(
    "/feeds/{feed}",
    response=answers(RecordPageOut),
    summary="动态（unit 本单位 / cross 跨部门 / leaders 领导 / following 关注）",
)
def read_feed(
    request: AuthedRequest,
    feed: Feed,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    category_id: Id | None = None,
    duty_id: Id | None = None,
    units: list[Id] = UNITS,
    cursor: str | None = None,
) -> HttpResponse:
    filters = RecordFilters(date_from=date_from, date_to=date_to, category_id=category_id, duty_id=duty_id)
    page = feed_page(user=request.user, feed=feed, filters=filters, cursor=cursor, units=units, as_rows=True)
    return record_page_out(page, request.user)


@router.get("/follows", response=answers(list[FollowOut]), summary="我关注的人和单位")
def list_follows(request: AuthedRequest) -> list[FollowOut]:
    rows = following(request.user)
    return [
        FollowOut(
            person_id=f.person_id,
            person_name=f.person.full_name if f.person else None,
            unit_id=f.unit_id,
            unit_name=f.unit.name if f.unit else None,
            created_at=f.created_at,
        )
        for f in rows
    ]


@router.post("/follows", response=answers(None, 400, 403, status=201), summary="关注一个人或一个单位")
def create_follow(request: AuthedRequest, payload: FollowIn) -> Status:
    follow(follower=request.user, person_id=payload.person_id, unit_id=payload.unit_id)
    return Status(201, None)


@router.delete("/follows", response=answers(None, 400, 403, status=204), summary="取消关注")
def delete_follow(request: AuthedRequest, person_id: Id | None = None, unit_id: Id | None = None) -> Status:
    unfollow(follower=request.user, person_id=person_id, unit_id=unit_id)
    return Status(204, None)

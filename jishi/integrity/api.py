"""完整性 endpoints: the same selectors and rule as the page."""

from __future__ import annotations

import datetime

from django.http import Http404, HttpRequest
from ninja import Router, Schema

from jishi.core.schemas import answers
from jishi.integrity.rules import can_see_integrity
from jishi.integrity.selectors import integrity_status

router = Router(tags=["完整性"])


class VerificationOut(Schema):
    started_at: datetime.datetime
    seconds: float
    entries: int
    problems: int
    digests_checked: int
    summary: list[str]


class StatusOut(Schema):
    chains: int
    entries: int
    last_verification: VerificationOut | None
    digest_dates: list[datetime.date]


@router.get(
    "/status",
    response=answers(StatusOut, 404),
    summary="完整性状态：最近一次校验和已导出的每日摘要（纪检监察、管理员）",
)
def status(request: HttpRequest) -> StatusOut:
    if not can_see_integrity(request.user):
        raise Http404
    found = integrity_status()
    last = found.last
    return StatusOut(
        chains=found.chains,
        entries=found.entries,
        last_verification=VerificationOut(
            started_at=last.started_at,
            seconds=last.seconds,
            entries=last.entries,
            problems=last.problems,
            digests_checked=last.digests_checked,
            summary=last.summary,
        )
        if last
        else None,
        digest_dates=[d.date for d in found.digests],
    )

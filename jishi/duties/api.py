"""职责 endpoints: the same selectors and visibility rule as the pages."""

from __future__ import annotations

import datetime
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from jishi.core.schemas import Id, answers
from jishi.duties.selectors import Coverage, DutyLine, coverage_for, suggest_duties, text_matched

router = Router(tags=["职责"])
NOT_MATCHED = _("内容没有匹配到任何职责，以下按你和本单位平时常记的职责排列，请自己确认。")


class SuggestIn(Schema):
    # Loose types, checked below: a wrong value is answered 422 in Chinese (pydantic's own messages are English).
    content: Any = Field(None, description="正在填写的工作内容（文字，必填）", json_schema_extra={"type": "string"})
    date: Any = Field(
        None, description="记实日期 YYYY-MM-DD，默认今天；决定当天可选的职责", json_schema_extra={"type": "string"}
    )


def _invalid(field: str, message: str) -> Status:
    return Status(422, {"detail": [{"type": "value_error", "loc": ["body", "payload", field], "msg": message}]})


class SuggestionOut(Schema):
    id: int
    code: str
    title: str
    score: float
    because: list[str] = Field(description="匹配到的词")
    from_text: bool = Field(description="内容中的文字指向这项职责；否则只是本人和本单位常记的职责")


class SuggestOut(Schema):
    suggestions: list[SuggestionOut]
    matched: bool = Field(description="内容本身是否匹配到任何职责；为 false 时建议只按本人和本单位的常记职责排列")
    message: str = Field(description="给填写人的说明；内容匹配到职责时为空")


@router.post(
    "/suggest", response=answers(SuggestOut, 400, 403), summary="按工作内容推荐对应职责（由本人选择，不自动填写）"
)
def suggest(request: HttpRequest, payload: SuggestIn) -> Any:
    if not isinstance(payload.content, str):
        return _invalid("content", str(_("请填写工作内容（文字）。")))
    day: datetime.date | None = None
    if payload.date is not None and payload.date != "":
        try:
            day = datetime.date.fromisoformat(payload.date) if isinstance(payload.date, str) else None
        except ValueError:
            day = None
        if day is None:
            shown = str(payload.date)[:20]
            return _invalid("date", str(_("日期“%(value)s”无法识别，请按 YYYY-MM-DD 填写。") % {"value": shown}))
    found = suggest_duties(person=request.user, content=payload.content, day=day)  # type: ignore[arg-type]
    matched = text_matched(found)
    return {
        "suggestions": [
            {
                "id": s.duty.pk,
                "code": s.duty.code,
                "title": s.duty.title,
                "score": s.score,
                "because": s.because,
                "from_text": s.from_text,
            }
            for s in found
        ],
        "matched": matched,
        "message": "" if matched or not found else str(NOT_MATCHED),
    }


class CoverageFilters(Schema):
    person: Id | None = None
    unit: Id | None = None
    position: Id | None = None
    date_from: str | None = Field(None, description="YYYY-MM-DD，默认本季度第一天")
    date_to: str | None = Field(None, description="YYYY-MM-DD，默认今天")
    # The period's earlier names, kept until the next release (core.http.DEPRECATED_PERIOD_NAMES).
    start: str | None = Field(None, description="已弃用：即 date_from", json_schema_extra={"deprecated": True})
    end: str | None = Field(None, description="已弃用：即 date_to", json_schema_extra={"deprecated": True})


class DutyLineOut(Schema):
    id: int | None
    code: str
    title: str
    unit: str
    retired_on: datetime.date | None
    records: int
    hours: float


class CoverageOut(Schema):
    kind: str
    subject_id: int
    subject: str
    start: datetime.date
    end: datetime.date
    total_records: int
    total_hours: float
    covered: list[DutyLineOut]
    uncovered: list[DutyLineOut]
    elsewhere: list[DutyLineOut] = Field(description="记在本范围职责目录之外的职责下的记实")
    no_duty: DutyLineOut
    withheld: bool = Field(description="记实来自不到最小人数的单位：同事看不到各职责的统计（上级和授权人员可以）")
    min_group: int


def _line(line: DutyLine) -> dict[str, object]:
    duty = line.duty
    return {
        "id": duty.pk if duty else None,
        "code": duty.code if duty else "",
        "title": duty.title if duty else "未对应职责",
        "unit": duty.unit.name if duty else "",
        "retired_on": duty.retired_on if duty else None,
        "records": line.records,
        "hours": line.hours,
    }


@router.get(
    "/coverage",
    response=answers(CoverageOut, 400, 403, 404),
    summary="职责覆盖：各职责的记实数和工时、无记实的职责、未对应职责的工作",
)
def coverage(request: HttpRequest, filters: Query[CoverageFilters]) -> dict[str, object]:
    result: Coverage = coverage_for(
        viewer=request.user,
        person_id=filters.person,
        unit_id=filters.unit,
        position_id=filters.position,
        start=filters.date_from or filters.start,
        end=filters.date_to or filters.end,
    )
    return {
        "kind": result.kind,
        "subject_id": result.subject.pk,
        "subject": str(result.subject),
        "start": result.start,
        "end": result.end,
        "total_records": result.total_records,
        "total_hours": result.total_hours,
        "covered": [_line(x) for x in result.covered],
        "uncovered": [_line(x) for x in result.uncovered],
        "elsewhere": [_line(x) for x in result.elsewhere],
        "no_duty": _line(result.no_duty),
        "withheld": result.withheld,
        "min_group": result.min_group,
    }

"""The insights API (/api/v1/insights/…): findings and figures, each within what the reader may see."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Router

from jishi.core.schemas import ErrorOut, ThrottledOut
from jishi.insights import findings_views, views

router = Router(tags=["insights"])


@router.get(
    "/findings",
    response=findings_views.API_ANSWERS,
    summary="发现：期间内值得关注之处（人员偏多/偏紧、协作孤岛、职责无记实、工作游离职责、内容雷同、时长异常、集中补记）",
    description="参数：start、end（YYYY-MM-DD，默认截至昨天的四周）、unit（单位编号，含下级）、kind（可多个，逗号分隔）。"
    "参数有误返回 422 和中文说明；没有管辖范围或单位不在范围内返回 404。单位类发现只含不少于最小人数的单位；"
    "个人类发现只对可以阅读其记实的上级和授权人员返回。",
)
def findings(
    request: HttpRequest,
    start: str | None = None,
    end: str | None = None,
    unit: str | None = None,
    kind: str | None = None,
) -> HttpResponse:
    # Read from the query string by the view, which answers a bad value with a Chinese 422 (never pydantic's).
    return findings_views.api_answer(request)


@router.get(
    "/dashboard",
    # The figures are a nested mapping (dashboards.figures); a bad parameter is a 422 with a Chinese `detail`.
    response={200: dict[str, Any], 401: ErrorOut, 404: ErrorOut, 422: ErrorOut, 429: ThrottledOut, 503: ErrorOut},
    summary="看板数字：记实率、工时、类别、人均工作量、街镇对比、职责覆盖、督办、监督、本周热词",
    description="参数：unit（单位编号，含下级；不填为本人的看板）、start、end（YYYY-MM-DD，默认截至昨天的四周）。"
    "参数有误返回 422 和中文说明；没有管辖范围或单位不在范围内返回 404。少于最小人数的单位只标 hidden，不给数字。",
)
def dashboard(request: HttpRequest) -> HttpResponse:
    return views.api_dashboard(request)

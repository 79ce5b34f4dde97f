"""The insights API (/api/v1/insights/…): findings and figures, each within what the reader may see."""

from django.http import HttpRequest, HttpResponse
from ninja import Router

from jishi.insights import views

router = Router(tags=["insights"])


@router.get(
    "/dashboard",
    summary="看板数字：记实率、工时、类别、人均工作量、街镇对比、职责覆盖、督办、监督、本周热词",
    description="参数：unit（单位编号，含下级；不填为本人的看板）、start、end（YYYY-MM-DD，默认截至昨天的四周）。"
    "参数有误返回 422 和中文说明；没有管辖范围或单位不在范围内返回 404。少于最小人数的单位只标 hidden，不给数字。",
)
def dashboard(request: HttpRequest) -> HttpResponse:
    return views.api_dashboard(request)

from django.urls import path, register_converter

from jishi.assessment import views
from jishi.core.http import ID_MAX


class IdConverter:
    """An id in a path: digits that fit a BigAutoField; anything larger matches no page (a 404, never a 500)."""

    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > ID_MAX:
            raise ValueError(value)
        return number

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(IdConverter, "id")

app_name = "assessment"
UNIT = "periods/<id:pk>/units/<id:unit_id>/"

urlpatterns = [
    path("", views.home, name="home"),
    path("<id:pk>/", views.detail, name="detail"),
    path("<id:pk>/summary/", views.summary, name="summary"),
    path("<id:pk>/print/", views.printable, name="print"),
    path("<id:pk>/probationer/", views.probationer, name="probationer"),
    path("<id:pk>/<str:kind>/", views.act, name="act"),
    path("people/<id:person_id>/", views.dossier, name="dossier"),
    path("periods/new/", views.period_new, name="period_new"),
    path("periods/<id:pk>/", views.period, name="period"),
    path("periods/<id:pk>/close/", views.period_close, name="period_close"),
    path("periods/<id:pk>/add/", views.period_add, name="period_add"),
    path(UNIT, views.unit_sheet, name="unit"),
    path(UNIT + "notice/", views.unit_notice, name="notice"),
    path(UNIT + "notice/start/", views.notice_start, name="notice_start"),
    path(UNIT + "quota/", views.quota_raise, name="quota_raise"),
    path(UNIT + "export.xlsx", views.unit_export, name="export"),
]

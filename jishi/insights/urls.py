from django.urls import path

from jishi.insights import findings_views, managers_day, report_views, views

app_name = "insights"

urlpatterns: list = [
    path("", views.home, name="home"),
    path("units/<int:pk>/", views.unit, name="unit"),
    path("records/", views.records, name="records"),
    path("today/", managers_day.page, name="today"),
    path("today/remind/", managers_day.remind, name="remind"),
    path("reports/<slug:kind>/", report_views.report, name="report"),
    path("findings/", findings_views.findings_page, name="findings"),
    path("findings/review/", findings_views.review_create, name="finding_review"),
]

from django.urls import path

from jishi.insights import report_views

app_name = "insights"

urlpatterns: list = [
    path("reports/<slug:kind>/", report_views.report, name="report"),
]

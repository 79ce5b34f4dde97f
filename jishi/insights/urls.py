from django.urls import path

from jishi.insights import views

app_name = "insights"

urlpatterns: list = [
    path("", views.home, name="home"),
    path("units/<int:pk>/", views.unit, name="unit"),
    path("records/", views.records, name="records"),
]

from django.urls import path

from jishi.summaries import views

app_name = "summaries"

urlpatterns = [
    path("", views.home, name="home"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<str:kind>/", views.period, name="current"),
    path("<str:kind>/<str:start>/", views.period, name="period"),
]

from django.urls import path

from jishi.duties import views

app_name = "duties"

urlpatterns = [
    path("suggest/", views.suggest, name="suggest"),
    path("coverage/", views.coverage, name="coverage"),
]

from django.urls import path

from jishi.integrity import views

app_name = "integrity"

urlpatterns = [
    path("", views.status, name="status"),
]

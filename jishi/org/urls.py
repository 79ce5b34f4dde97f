from django.urls import path

from jishi.org import views

app_name = "org"

urlpatterns = [
    path("lookup/people/", views.people_options, name="people_options"),
    path("lookup/units/", views.unit_options, name="unit_options"),
]

from django.urls import path

from jishi.tasks import views

app_name = "tasks"

urlpatterns = [
    path("", views.task_list, name="list"),
    path("new/", views.task_new, name="new"),
    path("unit/<int:pk>/", views.unit_tasks, name="unit"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/transition/", views.transition, name="transition"),
    path("<int:pk>/records/", views.link_own_record, name="link_own_record"),
    path("records/<int:record_pk>/instruct/", views.instruct, name="instruct"),
    path("records/<int:record_pk>/link/", views.link_record, name="link_record"),
]

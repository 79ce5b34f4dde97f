from django.urls import path

from jishi.supervision import views

app_name = "supervision"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("flags/", views.flags, name="flags"),
    path("flags/<int:pk>/close/", views.flag_close, name="flag_close"),
    path("overview/", views.overview, name="overview"),
    path("overview/units/<int:pk>/", views.overview, name="unit_overview"),
    path("records/<int:pk>/panel/", views.record_panel, name="panel"),
    path("records/<int:pk>/comments/", views.comment_create, name="comment"),
    path("records/<int:pk>/inquiries/", views.inquiry_ask, name="inquire"),
    path("records/<int:pk>/confirm/", views.confirm, name="confirm"),
    path("records/<int:pk>/reject/", views.reject, name="reject"),
    path("records/<int:pk>/flag/", views.flag, name="flag"),
    path("comments/<int:pk>/edit/", views.comment_edit, name="comment_edit"),
    path("inquiries/<int:pk>/answer/", views.inquiry_answer, name="answer"),
]

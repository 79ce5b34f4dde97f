from django.urls import path

from jishi.feeds import views

app_name = "feeds"

urlpatterns = [
    path("", views.feed, name="feed"),
    path("follow/", views.follow_toggle, name="follow"),
    path("<str:name>/", views.feed, name="feed_named"),
]

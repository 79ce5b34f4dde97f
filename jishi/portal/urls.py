from django.urls import path

from jishi.portal import feedback_views, review_views, views  # views: P-pages; review_views: P-pub
from jishi.portal.cache import cached_page  # P-pages
from jishi.portal.feeds import LeaderAtomFeed, LeaderFeed, UnitAtomFeed, UnitFeed  # P-pages

app_name = "portal"

urlpatterns: list = []

# --- the public pages, feeds, open data and API (P-pages)
urlpatterns += [
    path("", views.index, name="index"),
    path("records/<int:pk>/", views.record, name="record"),
    path("units/", views.units, name="units"),
    path("units/<int:pk>/", views.unit, name="unit"),
    path("units/<int:pk>/feed.rss", cached_page(UnitFeed()), name="unit_rss"),
    path("units/<int:pk>/feed.atom", cached_page(UnitAtomFeed()), name="unit_atom"),
    path("leaders/", views.leaders, name="leaders"),
    path("leaders/<int:pk>/", views.leader, name="leader"),
    path("leaders/<int:pk>/feed.rss", cached_page(LeaderFeed()), name="leader_rss"),
    path("leaders/<int:pk>/feed.atom", cached_page(LeaderAtomFeed()), name="leader_atom"),
    path("search", views.search, name="search"),
    path("stats/", views.stats, name="stats"),
    path("data/", views.data, name="data"),
    path("data/<str:name>", views.data_file, name="data_file"),
]
# --- end P-pages

# --- 留言 (citizens' messages; P-feedback): the public form and the unit's moderation inbox
urlpatterns += [
    path("messages/new", feedback_views.message_new, name="message_new"),
    path("inbox/", feedback_views.inbox, name="inbox"),
    path("inbox/<int:pk>/", feedback_views.inbox_message, name="inbox_message"),
    path("inbox/<int:pk>/moderate", feedback_views.inbox_moderate, name="inbox_moderate"),
    path("inbox/<int:pk>/answer", feedback_views.inbox_answer, name="inbox_answer"),
]

# --- the publishers' review queue (P-pub): signed in, scoped by portal.rules.review_scope
urlpatterns += [
    path("review/", review_views.review, name="review"),
    path("review/<int:pk>/", review_views.review_record, name="review_record"),
    path("review/<int:pk>/hold", review_views.review_hold, name="review_hold"),
    path("review/<int:pk>/release", review_views.review_release, name="review_release"),
]
# --- end P-pub

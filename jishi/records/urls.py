from django.urls import path

from jishi.records import day_views, views

app_name = "records"

urlpatterns = [
    path("", views.today, name="today"),
    path("day/", day_views.day_entry, name="day_entry"),
    path("me/", views.my_records, name="mine"),
    path("records/", views.record_list, name="list"),
    path("records/export/", views.export, name="export"),
    path("records/import/", views.import_page, name="import"),
    path("records/import/template.<str:kind>", views.import_template, name="import_template"),
    path("records/import/<slug:what>/template.<str:kind>", views.import_template, name="import_template_of"),
    path("records/<int:pk>/", views.detail, name="detail"),
    path("records/<int:pk>/edit/", views.record_edit, name="edit"),
    path("records/<int:pk>/addenda/", views.addendum, name="addendum"),
    path("records/<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("records/<int:pk>/attachments/", views.attachment_upload, name="attachment_upload"),
    path("records/<int:pk>/attachments/<int:attachment_id>/", views.attachment_download, name="attachment"),
    path("unit/", views.my_unit, name="my_unit"),
    path("units/", views.units, name="units"),
    path("units/<int:pk>/", views.unit_page, name="unit"),
    path("people/<int:pk>/", views.person_page, name="person"),
]

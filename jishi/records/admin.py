"""Records in the admin: read-only, and only what the administrator may read as a staff member."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from jishi.core.models import AuditEvent
from jishi.org.admin_site import AdministratorAdmin, ReadOnlyAdmin, jishi_admin_site
from jishi.records.fields import FIELDS, content_of
from jishi.records.models import Category, WorkRecord


@admin.register(Category, site=jishi_admin_site)
class CategoryAdmin(AdministratorAdmin):
    list_display = ["name", "code", "sort_order", "is_active"]

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False  # retire a category with "启用" instead; records keep pointing at it


@admin.register(WorkRecord, site=jishi_admin_site)
class WorkRecordAdmin(ReadOnlyAdmin):
    list_display = ["date", "author", "unit", "category", "visibility", "is_late", "version"]
    list_filter = ["visibility", "is_late", "category"]
    show_full_result_count = False  # no whole-table COUNT at Jiading scale
    # The record's declared fields (records.fields) but its content, which shows only as the reader may read it.
    fields = [
        "author",
        *(f.name for f in FIELDS if not f.content),
        "is_late",
        "submitted_at",
        "locks_at",
        "version",
        "shown_content",
    ]
    readonly_fields = fields

    @admin.display(description="工作内容")
    def shown_content(self, record: WorkRecord) -> str:
        return content_of(record)["content"] or "（敏感内容，仅本单位、上级和授权人员可见）"

    def get_queryset(self, request: HttpRequest) -> QuerySet[WorkRecord]:
        return WorkRecord.objects.visible_to(request.user).select_related("author", "unit", "category")


@admin.register(AuditEvent, site=jishi_admin_site)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor", "verb", "target_type", "target_id"]
    list_filter = ["verb"]
    show_full_result_count = False

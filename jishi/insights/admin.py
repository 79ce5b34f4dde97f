"""Insights in the admin site: the cost rates per rank that the resources and budget report uses."""

from __future__ import annotations

from django.contrib import admin

from jishi.insights.models import CostRate
from jishi.org.admin_site import AdministratorAdmin, jishi_admin_site


@admin.register(CostRate, site=jishi_admin_site)
class CostRateAdmin(AdministratorAdmin):
    list_display = ["rank", "yuan_per_hour", "valid_from", "note"]
    list_filter = ["rank"]
    ordering = ["rank", "-valid_from"]

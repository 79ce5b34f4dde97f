from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightsConfig(AppConfig):
    """Insights (智慧治理): dashboards, decision reports and findings from an analytics store beside the database."""

    name = "jishi.insights"
    label = "insights"
    verbose_name = _("智慧治理")

    def ready(self) -> None:
        from jishi.core.hooks import page_menu
        from jishi.insights.views import home_for, menu
        from jishi.records.hooks import page_home

        page_home.register(home_for)  # a leader's home opens on their dashboard
        page_menu.register(menu)
        self.register_store_hooks()

    @staticmethod
    def register_store_hooks() -> None:
        """Record writes mark their month dirty in the analytics store (jishi/insights/refresh.py)."""
        from jishi.insights import refresh
        from jishi.records.hooks import record_written, records_bulk_written, records_imported

        record_written.register(refresh.record_written)
        records_bulk_written.register(refresh.records_bulk_written)
        records_imported.register(refresh.records_imported)

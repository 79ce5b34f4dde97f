from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightsConfig(AppConfig):
    """Insights (智慧治理): dashboards, decision reports and findings from an analytics store beside the database."""

    name = "jishi.insights"
    label = "insights"
    verbose_name = _("智慧治理")

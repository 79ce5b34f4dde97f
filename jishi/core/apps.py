from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "jishi.core"
    label = "core"
    verbose_name = _("基础")

    def ready(self) -> None:
        from django.core.signals import got_request_exception

        from jishi.core import checks  # noqa: F401  (registers the system checks)
        from jishi.core.outage import mark_database_unavailable

        got_request_exception.connect(mark_database_unavailable, dispatch_uid="jishi.core.outage")

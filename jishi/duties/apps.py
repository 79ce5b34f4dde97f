from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DutiesConfig(AppConfig):
    name = "jishi.duties"
    label = "duties"
    verbose_name = _("职责")

    def ready(self) -> None:
        from jishi.duties.training import record_filed
        from jishi.records.hooks import record_created

        record_created.register(record_filed)

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegrityConfig(AppConfig):
    name = "jishi.integrity"
    label = "integrity"
    verbose_name = _("完整性")

    def ready(self) -> None:
        from jishi.integrity import conf

        conf.check()  # an SM3 deployment without SM3 must not start and write unverifiable hashes

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegrityConfig(AppConfig):
    name = "jishi.integrity"
    label = "integrity"
    verbose_name = _("完整性")

    def ready(self) -> None:
        from jishi.core.hooks import audit_written
        from jishi.integrity import conf, services
        from jishi.records.hooks import records_imported

        conf.check()  # an SM3 deployment without SM3 must not start and write unverifiable hashes
        audit_written.register(services.link)  # every audit event and the history rows it names join the chain
        records_imported.register(services.import_seal)

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "jishi.portal"
    label = "portal"
    verbose_name = _("政务公开")

    def ready(self) -> None:
        # --- publication (P-pub): published records leave cached pages at once; writes ask for a publishing run ---
        from jishi.portal import publication
        from jishi.records.hooks import record_written, records_bulk_written

        publication.delay_days()  # a wrong JISHI_PORTAL_DELAY_DAYS stops the start, not the first publishing run
        record_written.register(publication.record_written)
        records_bulk_written.register(publication.records_bulk_written)
        # --- end publication ---

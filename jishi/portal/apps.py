from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jishi.core.hooks import MenuEntry, page_menu


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
        page_menu.register(menu)  # the review queue in the header, for its reviewers only
        # --- end publication ---


def menu() -> list[MenuEntry]:
    """The header's 政务公开 entry (hook page.menu): the review queue, only for readers with a review scope."""
    from jishi.portal.rules import can_review  # rules reads org's models: not before the apps are ready

    return [
        MenuEntry(
            "portal_review",
            pgettext_lazy("menu", "政务公开"),
            "portal:review",
            78,
            ("portal:review", "portal:review_record", "portal:inbox", "portal:inbox_message"),
            # The scope is cached per worker (portal.rules._scopes, by person and day, while the organisation and
            # the role grants are unchanged): no query a page beyond the generation read every request makes.
            shown_to=can_review,
        )
    ]

from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jishi.core.hooks import MenuEntry, page_header, page_menu


class SupervisionConfig(AppConfig):
    name = "jishi.supervision"
    label = "supervision"
    verbose_name = _("监督")

    def ready(self) -> None:
        from jishi.notifications.hooks import notification_quotes
        from jishi.records.hooks import record_created, record_opened
        from jishi.supervision.selectors import notification_quotes as quotes
        from jishi.supervision.services import record_created_ask, view_log
        from jishi.supervision.templatetags.supervision import header_overview

        record_created.register(record_created_ask, order=10)  # after notifications settles the author's reminder
        record_opened.register(view_log)  # the record page and the API detail are views (PRODUCT.md)
        page_header.register(header_overview)
        page_menu.register(menu)
        notification_quotes.register(quotes)  # the inbox quotes the comment or question a notification is about


# The pages 确认与质询 marks as current; 纪检关注 marks its own.
SUPERVISION_PAGES = ("supervision:inbox", "supervision:overview", "supervision:unit_overview")


def menu() -> list[MenuEntry]:
    """The entries for confirmations and inquiries, and for inspectors 纪检关注, in the header (hook page.menu)."""
    return [
        # Menu labels of their own (context "menu"): short enough in English for the bar ("Confir…" was cut).
        MenuEntry("supervision", pgettext_lazy("menu", "确认与质询"), "supervision:inbox", 50, SUPERVISION_PAGES),
        MenuEntry(
            "flags",
            pgettext_lazy("menu", "纪检关注"),
            "supervision:flags",
            55,
            ("supervision:flags",),
            shown_to=_inspects,
        ),
    ]


def _inspects(user: Any) -> bool:
    """纪检关注 is in the menu of inspectors only (everyone else reaches their own flags from 确认与质询)."""
    from jishi.org.rules import reader_for

    return reader_for(user).is_inspector  # the reader's organisation, held by the worker: no query a page

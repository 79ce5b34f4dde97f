from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jishi.core.hooks import MenuEntry, page_menu


class SummariesConfig(AppConfig):
    name = "jishi.summaries"
    label = "summaries"
    verbose_name = _("周报月报")

    def ready(self) -> None:
        page_menu.register(menu)


def menu() -> list[MenuEntry]:
    """周报 in the header (hook page.menu): every person writes one; superiors read their people's there too."""
    return [MenuEntry("summaries", pgettext_lazy("menu", "周报"), "summaries:home", 75, ("summaries:*",))]

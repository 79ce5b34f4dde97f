from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from jishi.core.hooks import MenuEntry, page_menu


class FeedsConfig(AppConfig):
    name = "jishi.feeds"
    label = "feeds"
    verbose_name = _("动态")

    def ready(self) -> None:
        page_menu.register(menu)


def menu() -> list[MenuEntry]:
    """The feeds' entry in the header (hook page.menu)."""
    return [MenuEntry("feeds", _("动态"), "feeds:feed", 40, ("feeds:*",))]

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jishi.core.hooks import MenuEntry, page_menu


class AssessmentConfig(AppConfig):
    name = "jishi.assessment"
    label = "assessment"
    verbose_name = _("考核")

    def ready(self) -> None:
        from jishi.assessment import selectors
        from jishi.integrity.hooks import cross_check

        page_menu.register(menu)
        cross_check.register(selectors.cross_check)  # `jishi verify`: the steps and grades against their sealed events


def menu() -> list[MenuEntry]:
    """考核 in the header (hook page.menu): everyone who files is assessed; assessors and HR work there too."""
    return [MenuEntry("assessment", pgettext_lazy("menu", "考核"), "assessment:home", 77, ("assessment:*",))]

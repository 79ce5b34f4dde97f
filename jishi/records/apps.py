from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from jishi.core.hooks import MenuEntry, page_menu


class RecordsConfig(AppConfig):
    name = "jishi.records"
    label = "records"
    verbose_name = _("工作记实")

    def ready(self) -> None:
        from jishi.org.hooks import people_worked_with
        from jishi.records.habits import worked_with_q

        page_menu.register(menu)
        people_worked_with.register(worked_with_q)


def menu() -> list[MenuEntry]:
    """The record pages' entries in the header (hook page.menu)."""
    return [
        MenuEntry("today", _("今天"), "records:today", 10, ("records:today",)),
        MenuEntry("mine", _("我的记实"), "records:mine", 20, ("records:mine",)),
        MenuEntry("unit", _("本单位"), "records:my_unit", 30, ("records:unit",)),
        MenuEntry("units", _("单位"), "records:units", 80),
    ]

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from jishi.core.hooks import MenuEntry, page_menu


class TasksConfig(AppConfig):
    name = "jishi.tasks"
    label = "tasks"
    verbose_name = _("督办")

    def ready(self) -> None:
        page_menu.register(menu)


def menu() -> list[MenuEntry]:
    """The tasks' entry in the header (hook page.menu); tasks' own list and unit views mark it, not 检索 or 本单位."""
    return [MenuEntry("tasks", _("督办"), "tasks:list", 70, ("tasks:*",))]

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from jishi.core.hooks import MenuEntry, page_menu


class SearchConfig(AppConfig):
    name = "jishi.search"
    label = "search"
    verbose_name = _("全文检索")

    def ready(self) -> None:
        from jishi.records.hooks import record_written, records_bulk_written, records_text_condition
        from jishi.search.selectors import rank_window, search_q
        from jishi.search.services import index_new_records, index_record

        rank_window()  # a bad JISHI_SEARCH_RANK_WINDOW stops the start (ImproperlyConfigured), not a search
        record_written.register(index_record)  # in the write's transaction: record and entry commit together
        records_bulk_written.register(index_new_records)
        records_text_condition.register(search_q)  # the records list's `q` goes through the same index and rule
        page_menu.register(menu)


def menu() -> list[MenuEntry]:
    """The search entry in the header (hook page.menu): the records list with its filters is a search too."""
    return [MenuEntry("search", _("检索"), "search:search", 60, ("search:*", "records:list"))]

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "jishi.notifications"
    label = "notifications"
    verbose_name = _("通知")

    def ready(self) -> None:
        from jishi.core.hooks import page_header
        from jishi.notifications.services import record_filed
        from jishi.notifications.templatetags.notifications import header_inbox_link
        from jishi.records.hooks import record_created

        record_created.register(record_filed)  # before supervision's (order 10), as records called them
        page_header.register(header_inbox_link)

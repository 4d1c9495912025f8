from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "diemcau.notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from diemcau.notifications import tasks  # noqa: F401 - registers the send jobs

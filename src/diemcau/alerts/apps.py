from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AlertsConfig(AppConfig):
    name = "diemcau.alerts"
    verbose_name = _("Automatic messages")

    def ready(self) -> None:
        from diemcau.alerts import reminders  # noqa: F401 - registers the reminder job

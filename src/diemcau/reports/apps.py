from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "diemcau.reports"
    verbose_name = _("Reports")

    def ready(self) -> None:
        from diemcau.reports import tasks  # noqa: F401 - registers the background export

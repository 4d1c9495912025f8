from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExportsConfig(AppConfig):
    name = "diemcau.exports"
    verbose_name = _("Lists out and back in")

    def ready(self) -> None:
        from diemcau.exports import exporters, tasks  # noqa: F401 - registry and jobs

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SitesConfig(AppConfig):
    name = "diemcau.sites"
    verbose_name = _("Sites")

    def ready(self) -> None:
        from diemcau.sites import tasks  # noqa: F401 - registers the import job

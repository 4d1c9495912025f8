from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentConfig(AppConfig):
    name = "diemcau.assessment"
    verbose_name = _("Learning outcomes")

    def ready(self) -> None:
        # Registers the certificate batch job with the tasks app.
        from diemcau.assessment import tasks  # noqa: F401

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentConfig(AppConfig):
    name = "diemcau.assessment"
    verbose_name = _("Learning outcomes")

    def ready(self) -> None:
        # Registers the certificate batch job with the tasks app.
        from diemcau.assessment.certificates import tasks  # noqa: F401
        from diemcau.assessment.completion import signals as completion_signals

        # What marks the completion counters stale (reports, settings, delegates, check-ins).
        completion_signals.connect()

from django.apps import AppConfig
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "diemcau.audit"
    verbose_name = _("Audit trail")

    def ready(self) -> None:
        """Follow the models of every app (all loaded by now) unless DIEMCAU_AUDIT=0."""
        if getattr(settings, "DIEMCAU_AUDIT", True):
            from diemcau.audit import registry

            registry.connect()

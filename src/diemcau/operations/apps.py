from django.apps import AppConfig
from django.db.models.signals import post_save
from django.utils.translation import gettext_lazy as _


class OperationsConfig(AppConfig):
    name = "diemcau.operations"
    verbose_name = _("Live operations")

    def ready(self) -> None:
        # A session's or its day's times saved: the report's counters recount that session
        # (counters.py), so they never answer for a window they were not counted for.
        from diemcau.operations import counters

        post_save.connect(
            counters.session_saved, sender="programme.Session", dispatch_uid="ops-c-s"
        )
        post_save.connect(counters.day_saved, sender="programme.Day", dispatch_uid="ops-c-d")

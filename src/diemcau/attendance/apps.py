from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate, pre_migrate
from django.utils.translation import gettext_lazy as _


def _recount(sender: object, site_ids: list[int], **kwargs: Any) -> None:
    """Delegates were added at these sites (an import, a new delegate): recount them."""
    from diemcau.attendance.tallies import refresh_registered

    refresh_registered(site_ids)


class AttendanceConfig(AppConfig):
    name = "diemcau.attendance"
    verbose_name = _("Attendance")

    def ready(self) -> None:
        from diemcau.delegates.signals import delegates_changed

        delegates_changed.connect(_recount, dispatch_uid="attendance.recount_registered")
        # The per-minute check-in counter's triggers (minutes.py): out of the way of SQLite's
        # table rebuilds during migrate, back (and recounted) after it.
        from diemcau.attendance.minutes import after_migrate, before_migrate

        pre_migrate.connect(before_migrate, sender=self, dispatch_uid="attendance-minutes-pre")
        post_migrate.connect(after_migrate, sender=self, dispatch_uid="attendance-minutes")

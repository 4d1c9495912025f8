from typing import Any

from django.apps import AppConfig
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

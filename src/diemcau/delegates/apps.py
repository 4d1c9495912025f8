from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DelegatesConfig(AppConfig):
    name = "diemcau.delegates"
    verbose_name = _("Delegates")

    def ready(self) -> None:
        from django.core import checks

        from diemcau.delegates import tasks  # noqa: F401 - registers the import and badge jobs
        from diemcau.delegates.services import follow_site_moves
        from diemcau.publicurl import check_public_url
        from diemcau.sites.signals import sites_moved

        sites_moved.connect(follow_site_moves, dispatch_uid="delegates.follow_site_moves")
        # Badges print the public address: a production server without one warns at start-up.
        checks.register(check_public_url)

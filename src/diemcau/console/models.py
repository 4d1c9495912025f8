"""The site link: a login-free way into one site's console.

Sites are run by whoever the commune sends on the day, often on a borrowed PC; handing 11,000
people a username and password does not work. An organiser sends each site a link instead. The
link is an HMAC of the site code and a version, so the same link can be exported again (an
organiser who lost the Excel file gets the same links), and reissuing one bumps the version,
which kills every copy of the old one.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SiteLink(models.Model):
    site = models.OneToOneField("sites.Site", on_delete=models.CASCADE, related_name="+")
    version = models.PositiveIntegerField(default=1)
    expires_at = models.DateTimeField(_("expires"))
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reissued_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    uses = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("site link")
        verbose_name_plural = _("site links")

    def __str__(self) -> str:
        return f"{self.site_id} v{self.version}"

"""A frozen report: the figures as they stood when an organiser froze them, never changed after.

Later corrections show as differences against it (services.diff). Who froze it and when is kept
with it, as the report filed upward must say.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Snapshot(models.Model):
    node = models.CharField(_("unit code"), max_length=32)
    session_id = models.IntegerField(_("session"), null=True, blank=True)
    title = models.CharField(_("title"), max_length=255)
    data = models.JSONField()
    frozen_at = models.DateTimeField(_("frozen at"), auto_now_add=True)
    frozen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("frozen report")
        verbose_name_plural = _("frozen reports")
        ordering = ("-frozen_at", "-pk")
        indexes = [models.Index(fields=["node", "session_id", "-frozen_at"])]

    def __str__(self) -> str:
        return self.title

"""Catch-up tables. They import nothing of the app (assessment.models imports them)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class CatchUpRule(models.Model):
    """A delegate absent from a session who watched at least `percent` % of its recording
    counts as having followed it (a conference without a row: watching counts for nothing)."""

    conference = models.OneToOneField(
        "programme.Conference", on_delete=models.CASCADE, related_name="catchup_rule"
    )
    enabled = models.BooleanField(_("watching a recording counts"), default=True)
    percent = models.PositiveIntegerField(_("share of the recording watched (%)"), default=80)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("catch-up rule")
        verbose_name_plural = _("catch-up rules")

    def __str__(self) -> str:
        return f"{self.conference_id}: {self.percent}%"


class CatchUpView(models.Model):
    """What one delegate watched of one recording: the union of the played ranges (seconds of
    the recording), never more than its length nor faster than the clock."""

    delegate = models.ForeignKey("delegates.Delegate", on_delete=models.CASCADE, related_name="+")
    # The recording's id in streaming (kept as a number: a deleted recording keeps its minutes).
    recording_id = models.BigIntegerField()
    session = models.ForeignKey("programme.Session", on_delete=models.CASCADE, related_name="+")
    duration_s = models.FloatField()
    ranges = models.JSONField(default=list)  # [[start_s, end_s], …], sorted, disjoint
    watched_s = models.FloatField(default=0)
    first_at = models.DateTimeField()
    reported_at = models.DateTimeField()
    reports = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("recording watched")
        verbose_name_plural = _("recordings watched")
        constraints = [
            models.UniqueConstraint(fields=["delegate", "recording_id"], name="catchup_once")
        ]
        indexes = [models.Index(fields=["session", "delegate"])]

    def __str__(self) -> str:
        return f"{self.delegate_id} @ {self.recording_id}: {self.watched_s:.0f} s"

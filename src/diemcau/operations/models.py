"""Live operations: heartbeat history, each site's current state, and every change of state.

`SiteLive` is the per-site state cache the dashboard counts (one row per site ever seen, written
once a second in bulk by the flusher); `HeartbeatSample` is the history, appended in bulk;
`SiteStatusChange` logs each transition with the moment it happened.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class LiveState(models.TextChoices):
    NEVER = "never", _("Never seen")
    ONLINE = "online", _("Online")
    DEGRADED = "degraded", _("Degraded")
    OFFLINE = "offline", _("Offline")


class SiteLive(models.Model):
    site = models.OneToOneField(
        "sites.Site", on_delete=models.CASCADE, primary_key=True, related_name="live"
    )
    state = models.CharField(_("state"), max_length=16, choices=LiveState.choices)
    # Severity inside a state (higher is worse), so the worst sites sort without recomputing.
    score = models.FloatField(default=0)
    reasons = models.CharField(max_length=255, blank=True)
    since = models.DateTimeField(_("since"))
    last_seen = models.DateTimeField(_("last seen"), db_index=True)
    session = models.CharField(max_length=64, blank=True)
    playing = models.BooleanField(default=False)
    buffer_s = models.FloatField(default=0)
    bitrate_kbps = models.IntegerField(default=0)
    dropped_frames = models.IntegerField(default=0)
    latency_ms = models.IntegerField(default=0)
    queued = models.IntegerField(default=0)
    version = models.CharField(max_length=32, blank=True)

    class Meta:
        verbose_name = _("live site state")
        verbose_name_plural = _("live site states")

    def __str__(self) -> str:
        return f"{self.site_id} {self.state}"


class HeartbeatSample(models.Model):
    site = models.ForeignKey("sites.Site", on_delete=models.CASCADE, related_name="+")
    received_at = models.DateTimeField()
    session = models.CharField(max_length=64, blank=True)
    playing = models.BooleanField(default=False)
    buffer_s = models.FloatField(default=0)
    bitrate_kbps = models.IntegerField(default=0)
    dropped_frames = models.IntegerField(default=0)
    latency_ms = models.IntegerField(default=0)
    queued = models.IntegerField(default=0)
    version = models.CharField(max_length=32, blank=True)

    class Meta:
        verbose_name = _("heartbeat")
        verbose_name_plural = _("heartbeats")
        indexes = [models.Index(fields=["site", "received_at"])]

    def __str__(self) -> str:
        return f"{self.site_id} @ {self.received_at:%H:%M:%S}"


class SiteStatusChange(models.Model):
    site = models.ForeignKey("sites.Site", on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField(_("at"))
    from_state = models.CharField(max_length=16, choices=LiveState.choices)
    to_state = models.CharField(max_length=16, choices=LiveState.choices)
    reasons = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("state change")
        verbose_name_plural = _("state changes")
        indexes = [models.Index(fields=["site", "at"]), models.Index(fields=["at"])]

    def __str__(self) -> str:
        return f"{self.site_id}: {self.from_state} → {self.to_state} @ {self.at:%H:%M:%S}"

"""Live operations: heartbeat history, each site's current state, and every change of state.

`SiteLive` is the per-site state cache the dashboard counts (one row per site ever seen, written
once a second in bulk by the flusher); `HeartbeatSample` is the history, appended in bulk;
`SiteStatusChange` logs each transition with the moment it happened.
"""

from django.conf import settings
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
    # 0: following the live broadcast; else how far behind the live edge the site chose to watch
    # (a rewind after a loss of signal, the DVR window), in seconds.
    behind_s = models.IntegerField(default=0)
    # The player fell back to sound only (the audio rung, on a link too weak for video).
    audio_only = models.BooleanField(default=False)

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
    # 0: following the live broadcast; else how far behind the live edge the site chose to watch
    # (a rewind after a loss of signal, the DVR window), in seconds.
    behind_s = models.IntegerField(default=0)
    # The player fell back to sound only (the audio rung, on a link too weak for video).
    audio_only = models.BooleanField(default=False)

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


# -- incidents (sự cố) ------------------------------------------------------------------------
class IncidentCause(models.TextChoices):
    NO_SIGNAL = "no_signal", _("No signal")
    NO_SOUND = "no_sound", _("No sound")
    NETWORK = "network", _("Network")
    POWER = "power", _("Power")
    EQUIPMENT = "equipment", _("Equipment")
    OTHER = "other", _("Other")


class IncidentOrigin(models.TextChoices):
    MANUAL = "manual", _("Reported")
    AUTO = "auto", _("Automatic")


class IncidentStatus(models.TextChoices):
    OPEN = "open", _("Open")
    RESOLVED = "resolved", _("Resolved")


class Incident(models.Model):
    """A problem at one site, from opening to resolution.

    `province` repeats the site's province so lists, scope filters and the time-to-resolve
    figures per province need no join. At most one open automatic incident per site (a partial
    unique index), so a site that flaps while a session is live never piles up duplicates.
    """

    site = models.ForeignKey(
        "sites.Site", on_delete=models.CASCADE, related_name="incidents", verbose_name=_("site")
    )
    province = models.ForeignKey(
        "units.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    cause = models.CharField(_("cause"), max_length=16, choices=IncidentCause.choices)
    origin = models.CharField(
        _("origin"), max_length=8, choices=IncidentOrigin.choices, default=IncidentOrigin.MANUAL
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=IncidentStatus.choices,
        default=IncidentStatus.OPEN,
        db_index=True,
    )
    description = models.TextField(_("description"), blank=True)
    session = models.ForeignKey(
        "programme.Session", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    opened_at = models.DateTimeField(_("opened at"), db_index=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_incidents",
        verbose_name=_("technician"),
    )
    assigned_at = models.DateTimeField(null=True, blank=True)
    # Set while the site of an open automatic incident is sending again; a person still resolves.
    back_online_at = models.DateTimeField(_("site back online at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolution = models.TextField(_("resolution"), blank=True)

    class Meta:
        ordering = ["-opened_at", "-id"]
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        indexes = [models.Index(fields=["province", "status"])]
        constraints = [
            models.UniqueConstraint(
                fields=["site"],
                condition=models.Q(status="open", origin="auto"),
                name="operations_one_open_auto_incident_per_site",
            )
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.site_id} {self.cause} {self.status}"


class IncidentNote(models.Model):
    """Append-only: the services add notes and never change or delete one."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(_("at"))
    text = models.TextField(_("note"))

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("incident note")
        verbose_name_plural = _("incident notes")

    def __str__(self) -> str:
        return f"#{self.incident_id} @ {self.at:%H:%M}"


# -- rehearsals (kiểm tra kỹ thuật) ------------------------------------------------------------
class Rehearsal(models.Model):
    """A test window for every site under `unit` (the whole country when it is the centre)."""

    title = models.CharField(_("title"), max_length=200)
    unit = models.ForeignKey(
        "units.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("unit")
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_at", "-id"]
        verbose_name = _("rehearsal")
        verbose_name_plural = _("rehearsals")

    def __str__(self) -> str:
        return self.title


class RehearsalCheck(models.Model):
    """Every check a site ran, kept as history; `RehearsalSiteState` holds the latest."""

    rehearsal = models.ForeignKey(Rehearsal, on_delete=models.CASCADE, related_name="checks")
    site = models.ForeignKey("sites.Site", on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField(_("at"))
    server_ok = models.BooleanField(_("server reachable"), default=True)
    stream_ok = models.BooleanField(_("stream plays"))
    sound_ok = models.BooleanField(_("sound confirmed"))
    note = models.CharField(_("note"), max_length=500, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("rehearsal check")
        verbose_name_plural = _("rehearsal checks")
        indexes = [models.Index(fields=["rehearsal", "site", "at"])]

    def __str__(self) -> str:
        return f"{self.rehearsal_id}/{self.site_id} @ {self.at:%H:%M}"


class RehearsalSiteState(models.Model):
    """Each site's latest check per rehearsal: the readiness roll-up counts these rows only."""

    rehearsal = models.ForeignKey(Rehearsal, on_delete=models.CASCADE, related_name="states")
    site = models.ForeignKey(
        "sites.Site", on_delete=models.CASCADE, related_name="rehearsal_states"
    )
    ready = models.BooleanField()
    at = models.DateTimeField()
    stream_ok = models.BooleanField()
    sound_ok = models.BooleanField()
    note = models.CharField(max_length=500, blank=True)
    checks = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("site readiness")
        verbose_name_plural = _("site readiness")
        constraints = [
            models.UniqueConstraint(
                fields=["rehearsal", "site"], name="operations_rehearsal_site_state_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.rehearsal_id}/{self.site_id} ready={self.ready}"


# -- the report's counters (counters.py) --------------------------------------------------------
class CountedWindow(models.Model):
    """The window a session's counters below were counted for. The report trusts them only
    while the session's window is still this one (a session or its day edited by a path that
    bypassed the signals leaves it different, and the report reads the history instead)."""

    session = models.OneToOneField(
        "programme.Session", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    starts = models.DateTimeField()
    ends = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.session_id}: {self.starts:%H:%M}-{self.ends:%H:%M}"


class SessionConnected(models.Model):
    """A site sent a heartbeat inside the session's window (one row, however many beats)."""

    session = models.ForeignKey("programme.Session", on_delete=models.CASCADE, related_name="+")
    site = models.ForeignKey("sites.Site", on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["session", "site"], name="operations_session_connected_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.session_id}/{self.site_id}"


class SessionOutage(models.Model):
    """Microseconds a site was offline inside the session's window, over the offline stretches
    that have ended (the one still open is `SiteDown.down_since`, added at read time)."""

    session = models.ForeignKey("programme.Session", on_delete=models.CASCADE, related_name="+")
    site = models.ForeignKey("sites.Site", on_delete=models.CASCADE, related_name="+")
    closed_us = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["session", "site"], name="operations_session_outage_one"
            )
        ]

    def __str__(self) -> str:
        return f"{self.session_id}/{self.site_id}: {self.closed_us} µs"


class SiteDown(models.Model):
    """Each site's place in its log of state changes: the moment its current offline stretch
    began (null: not offline) and the time of its latest change (a change logged before it
    arrives out of order, and the site is recounted from its log)."""

    site = models.OneToOneField(
        "sites.Site", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    down_since = models.DateTimeField(null=True)
    last_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.site_id} down since {self.down_since}"

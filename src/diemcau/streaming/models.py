"""Live video: streams the studio sends, the provincial relays that carry them, site keys.

diemcau does not move video; ffmpeg and nginx do. These rows are what the control plane needs to
sign playback URLs, order relays for failover and write the nginx configs.
"""

import datetime
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


def new_ingest_key() -> str:
    return secrets.token_urlsafe(24)


def default_renditions() -> list[dict[str, object]]:
    """The ladder a weak commune link can still follow: the "audio" rung needs ~90 kbit/s.

    It is 64 kbit/s of sound and a still of the picture every 2 s (see ffmpeg.py: hls.js ignores
    a variant with no picture at all when the others have one).
    """
    return [
        {"name": "720p", "height": 720, "video_kbps": 2500, "audio_kbps": 128},
        {"name": "480p", "height": 480, "video_kbps": 1000, "audio_kbps": 96},
        {"name": "audio", "height": 144, "video_kbps": 16, "audio_kbps": 64, "still_s": 2},
    ]


class StreamState(models.TextChoices):
    IDLE = "idle", _("Idle")
    STARTING = "starting", _("Starting")
    LIVE = "live", pgettext_lazy("stream state", "Live")  # not the programme's "Live"
    RESTARTING = "restarting", _("Restarting")
    FAILED = "failed", _("Failed")
    STOPPED = "stopped", _("Stopped")


class Stream(models.Model):
    # The name is the path component under /live/…/ and the HLS folder name, hence a slug.
    name = models.SlugField(_("name"), max_length=64, unique=True)
    title = models.CharField(_("title"), max_length=200, blank=True)
    conference = models.ForeignKey(
        "programme.Conference",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="streams",
        verbose_name=_("conference"),
    )
    ingest_key = models.CharField(_("ingest key"), max_length=64, default=new_ingest_key)
    renditions = models.JSONField(_("renditions"), default=default_renditions)
    state = models.CharField(
        _("state"), max_length=16, choices=StreamState.choices, default=StreamState.IDLE
    )
    restarts = models.PositiveIntegerField(_("restarts"), default=0)
    last_segment_at = models.DateTimeField(_("last segment"), null=True, blank=True)
    state_detail = models.CharField(max_length=255, blank=True)
    # When `state` last changed: updated_at moves with every new segment, so it cannot say since
    # when a stream has been restarting.
    state_since = models.DateTimeField(_("state since"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("stream")
        verbose_name_plural = _("streams")

    def __str__(self) -> str:
        return self.name


class RelayHealth(models.TextChoices):
    UNKNOWN = "unknown", _("Not checked")
    UP = "up", _("Up")
    DOWN = "down", _("Down")


class Relay(models.Model):
    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200, blank=True)
    base_url = models.URLField(_("base URL"), help_text=_("e.g. http://relay-hn.example.vn:8080"))
    provinces = models.ManyToManyField(
        "units.Unit",
        blank=True,
        related_name="relays",
        limit_choices_to={"level": "province"},
        verbose_name=_("provinces served"),
    )
    capacity_mbps = models.PositiveIntegerField(_("capacity (Mbit/s)"), default=1000)
    enabled = models.BooleanField(_("enabled"), default=True)
    # Written by `diemcau stream check-relays`; a relay found down goes to the end of every
    # site's list until a later check finds it up again.
    health = models.CharField(
        _("health"), max_length=16, choices=RelayHealth.choices, default=RelayHealth.UNKNOWN
    )
    health_checked_at = models.DateTimeField(_("last checked"), null=True, blank=True)
    health_error = models.CharField(_("last error"), max_length=255, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("relay")
        verbose_name_plural = _("relays")

    def __str__(self) -> str:
        return self.code


class SiteKey(models.Model):
    """A site's playback key version; bumping it makes every URL issued before answer 403.

    Only sites that were ever revoked have a row: nginx's map defaults to version 1.
    """

    site = models.OneToOneField("sites.Site", on_delete=models.CASCADE, related_name="playback_key")
    version = models.PositiveIntegerField(default=1)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("site playback key")
        verbose_name_plural = _("site playback keys")

    def __str__(self) -> str:
        return f"{self.site_id} v{self.version}"


def default_keep_until() -> "datetime.datetime":
    from diemcau.streaming import conf

    return timezone.now() + datetime.timedelta(days=conf.recording_keep_days())


class Recording(models.Model):
    """A session's segments as a video on demand: playlists over hard links of the live files.

    `name` is the folder under the HLS root and the path component of its signed URLs, exactly
    like a stream's name, so the origin and relays serve and cache it with the same rules.
    `topics` holds each topic's start within the recording: [{"topic", "number", "title",
    "offset_s"}], from the programme's order and planned minutes when it was made.
    """

    session = models.ForeignKey(
        "programme.Session",
        on_delete=models.CASCADE,
        related_name="recordings",
        verbose_name=_("session"),
    )
    stream = models.ForeignKey(
        Stream,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="recordings",
        verbose_name=_("stream"),
    )
    name = models.SlugField(_("name"), max_length=64, unique=True)
    renditions = models.JSONField(_("renditions"), default=list)
    started_at = models.DateTimeField(_("recording start"))
    duration_s = models.FloatField(_("duration (s)"))
    segments = models.PositiveIntegerField(_("segments"))
    topics = models.JSONField(_("topics"), default=list)
    keep_until = models.DateTimeField(_("keep until"), default=default_keep_until)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-started_at", "-pk"]
        verbose_name = _("recording")
        verbose_name_plural = _("recordings")

    def __str__(self) -> str:
        return self.name

    @property
    def duration_minutes(self) -> int:
        return round(self.duration_s / 60)

"""The programme: a conference has days, a day has sessions, a session has ordered topics.

A topic (chuyên đề) is presented by one or more speakers (báo cáo viên) and carries materials
(tài liệu) that sites download before the day. Once a conference is published, any later change
to a session or topic stamps `changed_at`, so the agenda and the API can say "changed" to sites
that printed the earlier version.
"""

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Format(models.TextChoices):
    HYBRID = "hybrid", _("In person and online")
    IN_PERSON = "in_person", _("In person")
    ONLINE = "online", _("Online")


class SessionStatus(models.TextChoices):
    """Stored "planned" means "follow the clock": the status shown is then computed from the
    session's start and end (`Session.status_at`). "live" and "ended" are kept as a manual
    override, for a session that runs late or is stopped early."""

    PLANNED = "planned", pgettext_lazy("session status", "Not started")
    LIVE = "live", pgettext_lazy("session status", "Live")
    ENDED = "ended", pgettext_lazy("session status", "Ended")


class SessionKind(models.TextChoices):
    """A rehearsal (kiểm tra kỹ thuật) is a session of the conference itself, so the day's
    sessions, check-ins and dashboards never need a second conference for it."""

    SESSION = "session", pgettext_lazy("session kind", "Session")
    REHEARSAL = "rehearsal", pgettext_lazy("session kind", "Technical rehearsal")


class MaterialKind(models.TextChoices):
    PDF = "pdf", "PDF"
    PPTX = "pptx", "PowerPoint (PPTX)"
    DOCX = "docx", "Word (DOCX)"


class Conference(models.Model):
    slug = models.SlugField(_("short name"), max_length=80, unique=True)
    name = models.CharField(_("name"), max_length=300)
    host = models.CharField(_("host"), max_length=255)
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"))
    format = models.CharField(
        _("format"), max_length=16, choices=Format.choices, default=Format.HYBRID
    )
    target_sites = models.PositiveIntegerField(_("target sites"), default=0)
    target_delegates = models.PositiveIntegerField(_("target delegates"), default=0)
    description = models.TextField(_("description"), blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("conference")
        verbose_name_plural = _("conferences")
        ordering = ("-starts_on", "pk")

    def __str__(self) -> str:
        return self.name

    def topics_count(self) -> int:
        return Topic.objects.filter(session__day__conference=self).count()


class Day(models.Model):
    conference = models.ForeignKey(Conference, on_delete=models.CASCADE, related_name="days")
    date = models.DateField(_("date"))
    title = models.CharField(_("title"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("day")
        verbose_name_plural = _("days")
        ordering = ("date",)
        constraints = [
            models.UniqueConstraint(fields=("conference", "date"), name="programme_day_unique")
        ]

    def __str__(self) -> str:
        return f"{self.date:%d/%m/%Y}"


class Session(models.Model):
    day = models.ForeignKey(Day, on_delete=models.CASCADE, related_name="sessions")
    title = models.CharField(_("title"), max_length=200)
    starts_at = models.TimeField(_("start"))
    ends_at = models.TimeField(_("end"))
    chair = models.CharField(_("chair"), max_length=255, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=SessionStatus.choices, default=SessionStatus.PLANNED
    )
    kind = models.CharField(
        _("kind"), max_length=16, choices=SessionKind.choices, default=SessionKind.SESSION
    )
    changed_at = models.DateTimeField(_("changed after publication"), null=True, blank=True)

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = pgettext_lazy("programme", "sessions")
        ordering = ("day__date", "starts_at", "pk")

    def __str__(self) -> str:
        """Day, time and title; and the conference when it was loaded with the session
        (select_related("day__conference")), so that a list mixing conferences names each."""
        text = f"{self.day} {self.starts_at:%H:%M} {self.title}"
        if Day.conference.is_cached(self.day):
            text += f" · {self.day.conference.name}"
        return text

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """Aware start and end, in the conference's (the server's) time zone."""
        zone = ZoneInfo(settings.TIME_ZONE)
        start = dt.datetime.combine(self.day.date, self.starts_at, tzinfo=zone)
        end = dt.datetime.combine(self.day.date, self.ends_at, tzinfo=zone)
        return start, end

    def status_at(self, now: dt.datetime) -> str:
        """The status at `now`: the clock decides unless an organiser set live or ended."""
        if self.status != SessionStatus.PLANNED:
            return self.status
        start, end = self.bounds()
        if now < start:
            return SessionStatus.PLANNED.value
        return SessionStatus.LIVE.value if now < end else SessionStatus.ENDED.value

    @property
    def current_status(self) -> str:
        return self.status_at(timezone.now())

    @property
    def current_status_label(self) -> str:
        return str(SessionStatus(self.current_status).label)

    @property
    def is_rehearsal(self) -> bool:
        return self.kind == SessionKind.REHEARSAL


class Speaker(models.Model):
    name = models.CharField(_("name"), max_length=200)
    title = models.CharField(_("position"), max_length=500, blank=True)
    organisation = models.CharField(_("organisation"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("speaker")
        verbose_name_plural = _("speakers")
        ordering = ("name", "pk")

    def __str__(self) -> str:
        return self.name


class Topic(models.Model):
    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="topics")
    number = models.PositiveIntegerField(_("number"))
    title = models.CharField(_("title"), max_length=500)
    summary = models.TextField(_("summary"), blank=True)
    sector = models.CharField(_("sector"), max_length=120, blank=True)
    speakers = models.ManyToManyField(Speaker, blank=True, related_name="topics")
    planned_minutes = models.PositiveIntegerField(_("planned minutes"), default=30)
    order = models.PositiveIntegerField(_("order"), default=0)
    is_sample = models.BooleanField(
        _("sample topic"),
        default=False,
        help_text=_("Made up for the demo from the themes of the source; not an official topic."),
    )
    changed_at = models.DateTimeField(_("changed after publication"), null=True, blank=True)

    class Meta:
        verbose_name = _("topic")
        verbose_name_plural = _("topics")
        ordering = ("order", "number", "pk")

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"


class Material(models.Model):
    """One document of a topic; a re-upload replaces the file and increments `version`."""

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="materials")
    title = models.CharField(_("title"), max_length=300)
    kind = models.CharField(_("type"), max_length=8, choices=MaterialKind.choices)
    filename = models.CharField(_("file name"), max_length=255)
    path = models.CharField(max_length=500)  # name inside the materials storage
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(_("checksum (SHA-256)"), max_length=64)
    version = models.PositiveIntegerField(pgettext_lazy("material", "version"), default=1)
    uploaded_at = models.DateTimeField(_("uploaded at"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("material")
        verbose_name_plural = _("materials")
        ordering = ("topic", "pk")

    def __str__(self) -> str:
        return f"{self.title} (v{self.version})"


class MaterialDownload(models.Model):
    """One download of one version of a material at one site."""

    material = models.ForeignKey(Material, on_delete=models.CASCADE, related_name="downloads")
    site = models.ForeignKey("sites.Site", on_delete=models.CASCADE, related_name="+")
    version = models.PositiveIntegerField()
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("material download")
        verbose_name_plural = _("material downloads")
        indexes = [models.Index(fields=("material", "version", "site"))]

    def __str__(self) -> str:
        return f"{self.material_id}/{self.site_id} v{self.version}"

"""Attendance (điểm danh): check-ins per delegate and session, headcounts per site, and the
counters that let a nationwide summary answer without counting 1.5 million rows.

A check-in's primary key is the id the site console made when it scanned, so a batch resent
after a dropped connection lands exactly once. Only accepted scans are kept: a rejected scan
changed nothing, and a resend of it is judged again.

Counting rule (one place per person per session): a valid check-in counts at the site that
scanned it, where the person sits; when the delegate is registered at another site it is also
flagged `other_site` there (a guest). Their home site does not count them, so no total counts a
person twice. The partial unique index on (delegate, session) over valid rows makes that hold
under two workers as well.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Source(models.TextChoices):
    """How a check-in reached us: a scan at a site console, or a paper sign-in list typed in."""

    SCAN = "scan", _("scan")
    LIST = "list", _("from a list")


class CheckIn(models.Model):
    id = models.UUIDField(primary_key=True)  # made by the site console
    delegate = models.ForeignKey(
        "delegates.Delegate", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    session = models.ForeignKey(
        "programme.Session", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    # No index on site: every index costs each of the 1.5 million inserts, and nothing reads
    # check-ins by site yet (the counters answer the totals).
    site = models.ForeignKey(
        "sites.Site",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("site"),
        db_index=False,
    )
    other_site = models.BooleanField(_("at another site"), default=False)
    manual = models.BooleanField(_("typed code"), default=False)
    # A database default as well, so the bulk paths that name their columns (the batch insert,
    # COPY loads in benches) need not know of it: only a paper list writes "list".
    source = models.CharField(
        _("source"),
        max_length=8,
        choices=Source.choices,
        default=Source.SCAN,
        db_default=Source.SCAN,
    )
    scanned_at = models.DateTimeField(_("scanned at"))
    received_at = models.DateTimeField(_("received at"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    annulled_at = models.DateTimeField(_("annulled at"), null=True, blank=True)
    annul_reason = models.CharField(_("annulment reason"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")
        constraints = [
            models.UniqueConstraint(
                fields=["delegate", "session"],
                condition=Q(annulled_at__isnull=True),
                name="attendance_one_valid_checkin",
            )
        ]

    def __str__(self) -> str:
        return f"{self.delegate_id} @ {self.site_id} / {self.session_id}"


class Headcount(models.Model):
    """A count of the people in a site's room for a session; the newest one is current."""

    id = models.UUIDField(primary_key=True)  # made by the site console
    site = models.ForeignKey("sites.Site", on_delete=models.PROTECT, related_name="+")
    session = models.ForeignKey("programme.Session", on_delete=models.PROTECT, related_name="+")
    count = models.PositiveIntegerField(_("count"))
    note = models.CharField(_("note"), max_length=500, blank=True)
    reported_at = models.DateTimeField(_("reported at"))
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    current = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("headcount")
        verbose_name_plural = _("headcounts")
        indexes = [models.Index(fields=["site", "session", "-reported_at"])]

    def __str__(self) -> str:
        return f"{self.site_id} / {self.session_id}: {self.count}"


class SessionTally(models.Model):
    """Per (site, session): valid check-ins scanned there, how many of them were guests, and
    the current headcount. Updated in the transaction that writes the check-in or headcount."""

    site = models.ForeignKey("sites.Site", on_delete=models.CASCADE, related_name="+")
    session = models.ForeignKey(
        "programme.Session", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    checked_in = models.IntegerField(default=0)
    other_site = models.IntegerField(default=0)
    headcount = models.IntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "site"], name="attendance_tally_unique")
        ]

    def __str__(self) -> str:
        return f"{self.site_id} / {self.session_id}: {self.checked_in}"


class CheckInMinute(models.Model):
    """Valid check-ins per (session, minute of the scan, in minutes since 1970 UTC): the
    check-ins-over-time curve of the whole nation without reading every check-in.

    Kept by database triggers on the check-in table (minutes.py), whoever writes it. On
    PostgreSQL each writing statement appends its own rows (no row is shared between writers, so
    check-in batches never wait on each other for it) and a reader folds them; on SQLite, one
    writer at a time, each (session, minute) is one row. A minute's figure is the sum of its rows.
    """

    session = models.ForeignKey(
        "programme.Session", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    minute = models.IntegerField()
    n = models.IntegerField()

    class Meta:
        indexes = [models.Index(fields=["session", "minute"], name="attendance_minute_idx")]

    def __str__(self) -> str:
        return f"{self.session_id} / {self.minute}: {self.n}"


class SiteRegistered(models.Model):
    """Delegates registered per site, refreshed after imports (tallies.refresh_registered)."""

    site = models.OneToOneField(
        "sites.Site",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="attendance_registered",
    )
    registered = models.IntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.site_id}: {self.registered}"

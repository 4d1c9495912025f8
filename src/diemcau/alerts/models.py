"""Automatic messages: escalation rules for silent sites, what they sent, and reminders.

`EscalationRule` — "a site offline for N minutes during a live session → an SMS to X". A rule
belongs to a unit: the centre's rules are national; a province's own rule for the same recipient
replaces the national one for that province's sites (switched off included).

`Escalation` — who was told about one outage (one automatic incident) and when: one row per
incident and recipient, its `key` unique, so a second evaluator or a rerun tick never sends
twice. Outages of a flapping site are separate incidents; the rule's cooldown keeps them quiet.

`Reminder` — a message at a set time before a rehearsal or a session, to the sites under a unit
(all, or those not ready); claimed by one tick, sent by one background job (see reminders.py).

`TickLock` — one row per periodic job: a tick updates its row first, which serialises ticks of
several workers on both backends (a row lock on PostgreSQL, the write lock on SQLite).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Recipient(models.TextChoices):
    TECHNICIAN = "technician", _("Site technician")
    CONTACT = "contact", _("Site contact")
    PROVINCE_ORGANISER = "province_organiser", _("Province organiser")


class Channel(models.TextChoices):
    SMS = "sms", _("SMS")
    EMAIL = "email", _("E-mail")


class EscalationRule(models.Model):
    unit = models.ForeignKey(
        "units.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("unit")
    )
    recipient = models.CharField(
        _("recipient"), max_length=32, choices=Recipient.choices, default=Recipient.TECHNICIAN
    )
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices, default="sms")
    after_s = models.PositiveIntegerField(_("offline for (seconds)"))
    cooldown_s = models.PositiveIntegerField(_("cooldown (seconds)"), default=900)
    enabled = models.BooleanField(_("enabled"), default=True)
    text = models.TextField(_("message"), blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["unit__code", "after_s", "recipient"]
        verbose_name = _("escalation rule")
        verbose_name_plural = _("escalation rules")
        constraints = [
            models.UniqueConstraint(fields=["unit", "recipient"], name="alerts_rule_unique")
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.recipient} {self.after_s}s"

    @property
    def after_min(self) -> int:
        return self.after_s // 60

    @property
    def cooldown_min(self) -> int:
        return self.cooldown_s // 60


class Escalation(models.Model):
    incident = models.ForeignKey(
        "operations.Incident", on_delete=models.CASCADE, related_name="escalations"
    )
    site = models.ForeignKey("sites.Site", on_delete=models.CASCADE, related_name="+")
    province = models.ForeignKey(
        "units.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    rule = models.ForeignKey(EscalationRule, null=True, on_delete=models.SET_NULL, related_name="+")
    recipient = models.CharField(_("recipient"), max_length=32, choices=Recipient.choices)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    at = models.DateTimeField(_("at"))
    offline_s = models.PositiveIntegerField(_("offline for (seconds)"))
    key = models.CharField(max_length=120, unique=True)
    delivery_id = models.BigIntegerField(null=True, blank=True)
    text = models.TextField(_("message"))

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")
        indexes = [
            models.Index(fields=["site", "recipient", "at"]),
            models.Index(fields=["province", "at"]),
        ]

    def __str__(self) -> str:
        return self.key


class ReminderTarget(models.TextChoices):
    REHEARSAL = "rehearsal", _("Rehearsal")
    SESSION = "session", _("Session")


class Audience(models.TextChoices):
    ALL = "all", _("All sites")
    NOT_READY = "not_ready", _("Sites not ready")


class Reminder(models.Model):
    unit = models.ForeignKey(
        "units.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("unit")
    )
    rehearsal = models.ForeignKey(
        "operations.Rehearsal", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    session = models.ForeignKey(
        "programme.Session", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    # None: the evening before (EVENING_HOUR local time), else this many minutes before the start.
    before_min = models.PositiveIntegerField(_("minutes before"), null=True, blank=True)
    send_at = models.DateTimeField(_("send at"), db_index=True)
    audience = models.CharField(
        _("audience"), max_length=16, choices=Audience.choices, default=Audience.ALL
    )
    recipient = models.CharField(
        _("recipient"), max_length=32, choices=Recipient.choices, default=Recipient.CONTACT
    )
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices, default="sms")
    text = models.TextField(_("message"))
    enabled = models.BooleanField(_("enabled"), default=True)
    # Claimed by the tick that handed it to a background job; sent_at when that job finished.
    claimed_at = models.DateTimeField(null=True, blank=True)
    task_id = models.UUIDField(null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    sent_count = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["send_at", "id"]
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")

    def __str__(self) -> str:
        return f"{self.unit_id} @ {self.send_at:%Y-%m-%d %H:%M}"


class TickLock(models.Model):
    name = models.CharField(max_length=32, primary_key=True)
    at = models.DateTimeField(null=True)

    def __str__(self) -> str:
        return self.name


class StartOutage(models.Model):
    """A site silent when a session started (offline already, or never connected): the
    automatic incident the tick opened for it, once per session and site, and the moment its
    silence counts from (the session's start, or its last heartbeat if that came later)."""

    session = models.ForeignKey("programme.Session", on_delete=models.CASCADE, related_name="+")
    site = models.ForeignKey("sites.Site", on_delete=models.CASCADE, related_name="+")
    incident = models.OneToOneField(
        "operations.Incident", on_delete=models.CASCADE, related_name="start_outage"
    )
    since = models.DateTimeField(_("silent since"))

    class Meta:
        verbose_name = _("silent at session start")
        verbose_name_plural = _("silent at session start")
        constraints = [
            models.UniqueConstraint(fields=["session", "site"], name="alerts_start_outage_unique")
        ]

    def __str__(self) -> str:
        return f"{self.session_id}:{self.site_id}"

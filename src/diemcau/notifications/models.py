"""Messages to sites: templates, one send to an audience (`Message`), and one row per recipient
(`Delivery`), whose state is the whole truth about what reached whom.

A delivery's `key` is unique: the same message to the same recipient is one row, whichever task,
retry or rerun tries to make it again (a broadcast's rows are `m<message>:<site>:<role>`; direct
sends bring their own key). A row is sent at most once: it is claimed (`sending`) before it is
handed to the channel, and a claim whose task died is never sent again by itself (`unknown`).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")
    ZALO = "zalo", _("Zalo ZNS")


class RecipientRole(models.TextChoices):
    CONTACT = "contact", _("Site contact")
    TECHNICIAN = "technician", _("Site technician")
    PROVINCE_ORGANISER = "province_organiser", _("Province organiser")


class DeliveryStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Not sent (no address or opted out)")
    UNKNOWN = "unknown", _("Unknown: stopped while sending, not resent")


FINISHED = (
    DeliveryStatus.SENT,
    DeliveryStatus.FAILED,
    DeliveryStatus.SKIPPED,
    DeliveryStatus.UNKNOWN,
)


class Template(models.Model):
    """A message an organiser writes once and sends to many sites, with {fields} filled in."""

    name = models.CharField(_("name"), max_length=120)
    channel = models.CharField(
        _("channel"), max_length=8, choices=Channel.choices, default=Channel.EMAIL
    )
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("text"))
    # The province whose organisers may use and change it; None: central (everyone may use it).
    unit = models.ForeignKey(
        "units.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")

    def __str__(self) -> str:
        return self.name


class Message(models.Model):
    """One send of a text to an audience: the text as it was sent, and who asked for it."""

    template = models.ForeignKey(
        Template, null=True, blank=True, on_delete=models.SET_NULL, related_name="messages"
    )
    channel = models.CharField(max_length=8, choices=Channel.choices)
    role = models.CharField(
        max_length=24, choices=RecipientRole.choices, default=RecipientRole.CONTACT
    )
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField()
    audience = models.JSONField(default=dict)  # {"kind": ..., "province": ..., "codes": [...]}
    session = models.ForeignKey(
        "programme.Session", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    from_email = models.CharField(max_length=254, blank=True)
    reply_to = models.CharField(max_length=254, blank=True)
    unit = models.ForeignKey(
        "units.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    task_id = models.UUIDField(null=True, blank=True)
    prepared = models.BooleanField(default=False)  # its deliveries are written
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")

    def __str__(self) -> str:
        return self.subject or self.body[:60]


class Delivery(models.Model):
    key = models.CharField(max_length=160, unique=True)
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries"
    )
    site = models.ForeignKey(
        "sites.Site", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    role = models.CharField(max_length=24, choices=RecipientRole.choices)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    name = models.CharField(max_length=160, blank=True)  # the recipient's name
    address = models.CharField(max_length=254, blank=True)  # e-mail or 0XXXXXXXXX
    subject = models.CharField(max_length=200, blank=True)
    text = models.TextField()
    reason = models.CharField(max_length=200, blank=True)
    status = models.CharField(
        max_length=8, choices=DeliveryStatus.choices, default=DeliveryStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    parts = models.PositiveSmallIntegerField(default=0)  # SMS parts billed
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.UUIDField(null=True, blank=True)  # the task that is sending it
    claimed_at = models.DateTimeField(null=True, blank=True)
    answer = models.TextField(blank=True)  # the gateway's or server's last answer
    gateway_id = models.CharField(max_length=120, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        indexes = [
            models.Index(fields=["site", "-created_at"]),
            models.Index(fields=["message", "status"]),
            models.Index(fields=["status", "next_attempt_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.status})"


class OptOut(models.Model):
    """An address that asked not to be messaged on a channel; every send skips it."""

    channel = models.CharField(max_length=8, choices=Channel.choices)
    address = models.CharField(max_length=254)
    note = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("opt-out")
        verbose_name_plural = _("opt-outs")
        constraints = [
            models.UniqueConstraint(fields=["channel", "address"], name="notif_optout_unique")
        ]

    def __str__(self) -> str:
        return f"{self.channel}:{self.address}"


class OrganiserPhone(models.Model):
    """An organiser's mobile for SMS (accounts keep only an e-mail address)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notify_phone"
    )
    phone = models.CharField(max_length=20)

    class Meta:
        verbose_name = _("organiser phone")
        verbose_name_plural = _("organiser phones")

    def __str__(self) -> str:
        return self.phone

"""Sites (điểm cầu): the rooms where delegates watch together, many per unit.

`province` repeats the unit's province so that a province organiser's lists, counts and exports
are one indexed equality over 11,000 rows.
"""

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from diemcau.textnorm import fold


class SiteKind(models.TextChoices):
    PARTY = "party", _("Party")
    STATE = "state", _("State")
    FRONT = "front", _("Fatherland Front and mass organisations")
    SECTOR = "sector", _("Sector")
    ARMED_FORCES = "armed_forces", _("Armed forces")
    OTHER = "other", _("Other")


class Connection(models.TextChoices):
    INTERNET = "internet", _("Internet")
    GOVNET = "govnet", _("Government data network")
    VIDEOCONF = "videoconf", _("Dedicated video-conference system")
    MOBILE = "mobile", _("Mobile (4G/5G)")
    OTHER = "other", _("Other")


class SiteStatus(models.TextChoices):
    REGISTERED = "registered", _("Registered")
    READY = "ready", _("Ready")
    CONNECTED = "connected", _("Connected")
    DISCONNECTED = "disconnected", _("Disconnected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Site(models.Model):
    code = models.CharField(_("site code"), max_length=32, unique=True)
    name = models.CharField(_("site name"), max_length=255)
    # The name without diacritics, lower-cased: what searches compare ("thuan hoa" finds
    # "Thuận Hóa"). Kept by save() and by every bulk path.
    name_folded = models.CharField(max_length=255, editable=False, default="")
    unit = models.ForeignKey(
        "units.Unit", on_delete=models.PROTECT, related_name="sites", verbose_name=_("unit")
    )
    province = models.ForeignKey(
        "units.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(
        _("kind"), max_length=16, choices=SiteKind.choices, default=SiteKind.STATE
    )
    address = models.CharField(_("address"), max_length=255, blank=True)
    seats = models.PositiveIntegerField(_("seats"), null=True, blank=True)
    host_organisation = models.CharField(_("host organisation"), max_length=255, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=120, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    contact_email = models.EmailField(_("contact email"), blank=True)
    tech_name = models.CharField(_("technical contact"), max_length=120, blank=True)
    tech_phone = models.CharField(_("technical phone"), max_length=20, blank=True)
    tech_email = models.EmailField(_("technical email"), blank=True)
    connection = models.CharField(
        _("connection"), max_length=16, choices=Connection.choices, default=Connection.INTERNET
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=SiteStatus.choices,
        default=SiteStatus.REGISTERED,
        db_index=True,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("site")
        verbose_name_plural = _("sites")
        indexes = [
            models.Index(fields=["province", "code"]),
            models.Index(fields=["unit", "code"]),
            models.Index(fields=["kind"]),
        ]

    def __str__(self) -> str:
        return f"{self.code} · {self.name}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.name_folded = fold(self.name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "name_folded"}
        super().save(*args, **kwargs)

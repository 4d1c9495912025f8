"""Delegates (đại biểu): the people registered to watch at one site.

The national ID (CCCD) is personal data and is never stored in clear: only a keyed hash (to find
duplicates and to look a person up by the number they give) and its last four digits (to tell
people apart on a list). `province` repeats the site's province so that a province organiser's
lists and counts over 1.5 million rows are one indexed equality.

`code` is what people read and type at check-in: the row id in Crockford base32 with a check
character (see codes.py), so bulk loads append to its index. `secret` is random and will sign the
QR badge. Neither is derived from the CCCD, so neither reveals it.
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Delegate(models.Model):
    code = models.CharField(_("delegate code"), max_length=16, unique=True)
    site = models.ForeignKey(
        "sites.Site",
        on_delete=models.PROTECT,
        related_name="delegates",
        verbose_name=_("site"),
        db_index=False,  # named in Meta.indexes, so that a bulk load can build it afterwards
    )
    province = models.ForeignKey(
        "units.Unit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    full_name = models.CharField(_("full name"), max_length=200)
    position = models.CharField(_("position"), max_length=255, blank=True)
    workplace = models.CharField(_("workplace"), max_length=255, blank=True)
    group = models.CharField(_("group"), max_length=120, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    email = models.CharField(_("email"), max_length=254, blank=True)
    # HMAC-SHA256 of the 12 digits under the PII key, truncated to 128 bits (hex): see pii.py.
    national_id_hash = models.CharField(max_length=32, editable=False)  # unique: Meta
    national_id_last4 = models.CharField(max_length=4, editable=False)
    secret = models.CharField(max_length=32, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("delegate")
        verbose_name_plural = _("delegates")
        # Lists run in (site, id) order: both indexes end in the row id, so a scoped page is read
        # in index order without a sort. These three are named so that a bulk load into an empty
        # table can drop them and build them after the rows (writing.py): 8 s instead of 13 s
        # for 1.5 million rows on SQLite.
        indexes = [
            models.Index(fields=["site"], name="delegates_site_idx"),
            models.Index(fields=["province", "site"], name="delegates_province_site_idx"),
        ]
        constraints = [
            # Written as an expression so that Django creates a separate, droppable CREATE UNIQUE
            # INDEX on SQLite too (a plain `fields=` constraint goes into CREATE TABLE there).
            models.UniqueConstraint(
                models.F("national_id_hash"), name="delegates_national_id_hash_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} · {self.full_name}"

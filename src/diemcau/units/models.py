"""The administrative tree: central → 34 provinces → 3,321 communes, plus organisations.

Codes and names of provinces and communes come from the `vietnam-provinces` package exactly as it
has them. Every unit keeps a pointer to its province so scope checks and roll-ups are one
indexed equality, not a recursive walk.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    CENTRAL = "central", _("Central")
    PROVINCE = "province", _("Province")
    COMMUNE = "commune", _("Commune")


class Kind(models.TextChoices):
    ADMINISTRATIVE = "administrative", _("Administrative unit")
    ORGANISATION = "organisation", _("Organisation")


class Unit(models.Model):
    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    name_folded = models.CharField(max_length=200, db_index=True, editable=False)
    level = models.CharField(_("level"), max_length=16, choices=Level.choices, db_index=True)
    kind = models.CharField(
        _("kind"), max_length=16, choices=Kind.choices, default=Kind.ADMINISTRATIVE
    )
    division_type = models.CharField(_("division type"), max_length=40, blank=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    province = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The province this unit belongs to (itself for a province)."),
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("administrative unit")
        verbose_name_plural = _("administrative units")
        indexes = [models.Index(fields=["level", "province"])]

    def __str__(self) -> str:
        return self.name

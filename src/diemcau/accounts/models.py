"""Who may do what, and where on the tree.

A person holds one or more grants; each grant is a role with its scope (a unit, a few sites, or a
sector). Programs authenticate with bearer tokens, stored only as a SHA-256 digest.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CENTRAL_ORGANISER = "central_organiser", _("Central organiser")
    PROVINCE_ORGANISER = "province_organiser", _("Province organiser")
    SITE_OPERATOR = "site_operator", _("Site operator")
    SECTOR_ANSWERER = "sector_answerer", _("Sector answerer")
    VIEWER = "viewer", _("Viewer")


class Grant(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="grants"
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    unit = models.ForeignKey(
        "units.Unit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Scope of a province organiser or a viewer."),
    )
    sites = models.ManyToManyField("sites.Site", blank=True, related_name="+")
    sector = models.CharField(_("sector"), max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("role grant")
        verbose_name_plural = _("role grants")

    def __str__(self) -> str:
        scope = self.unit.code if self.unit_id and self.unit else self.sector
        return f"{self.user} · {self.get_role_display()} · {scope}"


class ApiToken(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    label = models.CharField(_("label"), max_length=100, blank=True)
    prefix = models.CharField(max_length=12, db_index=True)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"


class UserSession(models.Model):
    """Which browser sessions belong to whom, written at sign-in.

    Django's session rows hold the user id only inside the encoded payload; deactivating a person
    or reissuing a site link must end their sessions at once without decoding every row.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    session_key = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("signed-in session")
        verbose_name_plural = _("signed-in sessions")

    def __str__(self) -> str:
        return f"{self.user_id} · {self.session_key[:6]}…"


class DemoAccount(models.Model):
    """An account made by the demo loader, with the hash of the password it was given then.

    While the user's password hash is still this one, the account holds a password published
    with the demo; in production mode (DIEMCAU_DEMO off) it cannot sign in until it changes.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="demo_mark"
    )
    password = models.CharField(max_length=128)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("demo account")
        verbose_name_plural = _("demo accounts")

    def __str__(self) -> str:
        return str(self.user)

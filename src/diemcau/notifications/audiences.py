"""Whom a message goes to: sites chosen within the sender's scope.

A province organiser reaches only the sites they may change (their province); "not ready" is
the rehearsal readiness (latest check failed or never checked, over every rehearsal), "silent
now" and "never connected" the live state exactly as the operations dashboard computes it.
"""

from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from diemcau.accounts.scopes import Scope
from diemcau.errors import Forbidden, Invalid
from diemcau.operations import clock, liveness, rollup
from diemcau.operations.models import LiveState
from diemcau.operations.readiness_figures import latest_states
from diemcau.sites.models import Site
from diemcau.sites.services import SiteFilters, visible_sites

ALL, NOT_READY, SILENT, NEVER, LIST = "all", "not_ready", "silent", "never", "list"
KINDS = {
    ALL: gettext_lazy("All my sites"),
    NOT_READY: gettext_lazy("Not ready (rehearsal check failed or never checked)"),
    SILENT: gettext_lazy("Silent now (offline)"),
    NEVER: gettext_lazy("Never connected"),
    LIST: gettext_lazy("A list of site codes"),
}
MAX_CODES = 20_000


@dataclass(frozen=True)
class Audience:
    kind: str = ALL
    province: str | None = None
    unit: str | None = None
    q: str | None = None
    codes: tuple[str, ...] = field(default_factory=tuple)

    @classmethod
    def clean(
        cls,
        kind: str | None = None,
        province: str | None = None,
        unit: str | None = None,
        q: str | None = None,
        codes: str | list[str] | tuple[str, ...] | None = None,
    ) -> "Audience":
        if (kind or ALL) not in KINDS:
            raise Invalid(_("Unknown audience “%(kind)s”.") % {"kind": kind}, {"kind": ""})
        if isinstance(codes, str):
            codes = codes.replace(",", " ").replace(";", " ").split()
        clean_codes = tuple(dict.fromkeys(c.strip() for c in codes or () if c.strip()))
        if len(clean_codes) > MAX_CODES:
            raise Invalid(_("Too many site codes: at most %(n)s.") % {"n": MAX_CODES})
        if kind == LIST and not clean_codes:
            raise Invalid(_("List the site codes to message."), {"codes": _("Required.")})

        def text(v: str | None) -> str | None:
            return (v or "").strip()[:100] or None

        return cls(kind or ALL, text(province), text(unit), text(q), clean_codes)

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "province": self.province,
            "unit": self.unit,
            "q": self.q,
            "codes": list(self.codes),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Audience":
        return cls.clean(
            data.get("kind"), data.get("province"), data.get("unit"), data.get("q"),
            data.get("codes") or (),
        )  # fmt: skip

    def label(self) -> str:
        return str(KINDS[self.kind])


def require_sender(scope: Scope) -> None:
    if not scope.is_organiser:
        raise Forbidden(_("Only organisers send messages to sites."))


def sites(scope: Scope, audience: Audience) -> QuerySet[Site]:
    """The audience's sites, always within what the sender may change."""
    require_sender(scope)
    write_q = scope.site_write_q()
    if write_q is None:
        return Site.objects.none()
    qs = visible_sites(
        scope, SiteFilters(province=audience.province, unit=audience.unit, q=audience.q)
    ).filter(write_q)
    if audience.kind == LIST:
        found = set(qs.filter(code__in=audience.codes).values_list("code", flat=True))
        missing = [c for c in audience.codes if c not in found]
        if missing:
            shown = ", ".join(missing[:20]) + ("…" if len(missing) > 20 else "")
            raise Invalid(
                _("Site(s) not found or not yours to message: %(codes)s.") % {"codes": shown},
                {"codes": shown},
            )
        return qs.filter(code__in=audience.codes)
    if audience.kind == NOT_READY:
        states = latest_states(qs.values("pk"))
        passed = [pk for pk, ready in states.items() if ready]
        return qs.exclude(pk__in=passed)
    if audience.kind in (SILENT, NEVER):
        state = LiveState.OFFLINE if audience.kind == SILENT else LiveState.NEVER
        # The live store's word for the sites the (possibly lagging) database calls silent, as
        # the dashboard reads them: a flusher minutes behind must not message beating sites.
        live = liveness.read(qs, clock.now())
        return qs.annotate(st=rollup.state_expr(live.cutoff, live)).filter(st=state)
    return qs

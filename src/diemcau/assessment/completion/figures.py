"""Learning outcomes under one node for the reports: the completion roll-up plus certificates.

Read-only. The completion figures are `rollup.rollup` (per-site counters); this adds
the valid certificates (issued, not revoked) of the delegates of the sites in the caller's read
scope, grouped like the roll-up's children (nation → provinces and central bodies; province →
its units; commune or body → its sites) so the two line up row by row. A conference without
assessment settings has no learning figures at all (NotFound): reading the roll-up would
otherwise create its settings as a side effect.
"""

from typing import Any

from django.db.models import Count, Subquery
from django.utils.translation import gettext as _

from diemcau.accounts.scopes import Scope
from diemcau.assessment.completion.rollup import resolve_unit, rollup
from diemcau.assessment.models import AssessmentSettings, Certificate
from diemcau.errors import NotFound
from diemcau.sites.children import child_key
from diemcau.sites.models import Site
from diemcau.units.models import Unit
from diemcau.units.services import units_under_q


def has_assessment(conference_id: int) -> bool:
    return AssessmentSettings.objects.filter(conference_id=conference_id).exists()


def certificates(scope: Scope, conference_id: int, unit_code: str | None) -> dict[str, int]:
    """{child code: valid certificates}, for the sites under the node the caller may read."""
    unit = resolve_unit(scope, unit_code)
    read_q = scope.site_read_q()
    if read_q is None:
        raise NotFound(_("Unit “%(code)s” not found.") % {"code": unit.code})
    certs = Certificate.objects.filter(conference_id=conference_id, revoked_at__isnull=True)
    if scope.everything or scope.reads_everything:
        certs = certs.filter(units_under_q(unit, "delegate__site__unit__"))
    else:
        sites = Site.objects.filter(read_q & units_under_q(unit, "unit__"))
        certs = certs.filter(delegate__site_id__in=Subquery(sites.values("pk")))
    kind, key = child_key(unit, "delegate__site__")
    counts = {row["k"]: row["n"] for row in certs.values(k=key).annotate(n=Count("pk")).order_by()}
    model: Any = Site if kind == "site" else Unit
    codes = dict(model.objects.filter(pk__in=list(counts)).values_list("pk", "code"))
    return {codes.get(pk, unit.code): n for pk, n in counts.items()}


def learning(scope: Scope, conference_id: int, unit_code: str | None) -> dict[str, Any]:
    """The completion roll-up with `certificates` on the node and on each child."""
    if not has_assessment(conference_id):
        raise NotFound(_("Conference not found."))
    data = rollup(scope, conference_id, unit_code)
    per_child = certificates(scope, conference_id, unit_code)
    for child in data["children"]:
        child["certificates"] = per_child.pop(child["code"], 0)
    for code, n in per_child.items():  # certificates where the counters have no row yet
        data["children"].append({"code": code, "name": code, "certificates": n})
    data["certificates"] = sum(c["certificates"] for c in data["children"])
    return data

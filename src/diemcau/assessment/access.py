"""Who may do what in the assessment app, decided from the one Scope (accounts.scopes).

Building the bank and the settings is for central organisers; reading them for any organiser.
Grading and certificates follow the organiser's subtree (a province organiser grades and issues
for their province); completion figures follow the read scope. Outside it an object does not
exist (404).
"""

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from diemcau.accounts.scopes import Scope, any_of
from diemcau.errors import Forbidden, NotFound
from diemcau.programme.models import Conference
from diemcau.sites.models import Site
from diemcau.units.models import Kind, Level, Unit
from diemcau.units.services import get_unit, units_under_q


def require_organiser(scope: Scope) -> None:
    if not (scope.is_organiser or scope.reads_everything):
        raise NotFound(_("Page not found."))


def require_central(scope: Scope) -> None:
    if not scope.everything:
        raise Forbidden(_("Only central organisers may change the quiz and the learning report."))


def get_conference(conference_id: int) -> Conference:
    conference = Conference.objects.filter(pk=conference_id).first()
    if conference is None:
        raise NotFound(_("Conference not found."))
    return conference


def current_conference_id() -> int:
    """The newest conference with assessment settings: what `?conference=` defaults to."""
    from diemcau.assessment.models import AssessmentSettings

    found = (
        AssessmentSettings.objects.order_by("-conference__starts_on", "-conference_id")
        .values_list("conference_id", flat=True)
        .first()
    )
    if found is None:
        raise NotFound(_("Conference not found."))
    return found


def grader_sites_q(scope: Scope) -> Q | None:
    """Sites whose delegates' reports and certificates this user handles; None: none."""
    if scope.everything:
        return Q()
    return any_of([units_under_q(u, "unit__") for u in scope.organiser_units])


def grader_sites(scope: Scope) -> QuerySet[Site]:
    q = grader_sites_q(scope)
    return Site.objects.none() if q is None else Site.objects.filter(q)


def _covers(upper: Unit, lower: Unit) -> bool:
    return Unit.objects.filter(units_under_q(upper), pk=lower.pk).exists()


def readable_unit(scope: Scope, code: str | None) -> Unit:
    """The node asked for when the caller reads all of it; the whole country by default."""
    unit = (
        get_unit(code)
        if code
        else (Unit.objects.filter(level=Level.CENTRAL, kind=Kind.ADMINISTRATIVE).first())
    )
    allowed = unit is not None and (
        scope.everything
        or scope.reads_everything
        or any(_covers(u, unit) for u in scope.organiser_units + scope.viewer_units)
    )
    if not allowed:
        raise NotFound(_("Unit “%(code)s” not found.") % {"code": code or ""})
    assert unit is not None
    return unit

"""Certificates for every site under a unit, one kept PDF per site (run by tasks.py)."""

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _

from diemcau.accounts.scopes import Scope
from diemcau.assessment.access import get_conference, grader_sites, readable_unit
from diemcau.assessment.certificates import pdf as certpdf
from diemcau.assessment.certificates.issuing import certificates_dir, issue_many, page_of
from diemcau.delegates.models import Delegate
from diemcau.errors import Forbidden
from diemcau.programme.models import Conference
from diemcau.tasks.models import Task
from diemcau.tasks.services import submit
from diemcau.units.services import units_under_q


def start(scope: Scope, conference_id: int, unit_code: str, base: str = "") -> Task:
    """Queue the batch after checking the caller may issue there (an organiser of the unit).

    `base` (publicurl.base(request)) is kept with the job, so its QR codes open the address the
    organiser reached the server at when no public address is set; "" means publicurl.base().
    """
    unit = readable_unit(scope, unit_code)
    if not grader_sites(scope).filter(units_under_q(unit, "unit__")).exists():
        raise Forbidden(_("You may not issue certificates there."))
    get_conference(conference_id)  # an unknown conference is 404, not a task that fails later
    return submit(
        "assessment.certificates",
        scope.user_id,
        {"conference": conference_id, "unit": unit.code, "base": base},
    )


def issue_for_unit(
    scope: Scope,
    conference_id: int,
    unit_code: str,
    progress: Callable[[int, int], None],
    base: str = "",
) -> dict[str, Any]:
    unit = readable_unit(scope, unit_code)
    conference = Conference.objects.get(pk=conference_id)
    sites = list(grader_sites(scope).filter(units_under_q(unit, "unit__")).order_by("code"))
    issued = 0
    files = 0
    for n, site in enumerate(sites, start=1):
        certs = issue_many(
            Delegate.objects.filter(site=site).order_by("full_name", "pk"), conference_id
        )
        if certs:
            for c in certs:
                c.conference = conference
            path = certificates_dir() / str(conference_id) / "sites" / f"{site.code}.pdf"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(
                certpdf.render([page_of(c, base or None) for c in certs], title=site.name)
            )
            issued += len(certs)
            files += 1
        progress(n, len(sites))
    return {"unit": unit.code, "sites": len(sites), "certificates": issued, "files": files}

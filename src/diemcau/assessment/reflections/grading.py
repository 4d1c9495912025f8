"""Grading learning reports: batch assignment to graders, the queue, second reading, settling.

Graders are organisers (a province organiser grades their province); an organiser hands out
reports in batches so that nobody reads the same report twice by accident and the work is even.
Assignment only orders and narrows the queue: unassigned reports stay open to every grader in
scope, and a report assigned to someone else is hidden from the others' queues.

Second reading, when the conference turns it on, follows one rule: a report whose first score is
below the pass mark (`min_report_score`) is read again by another grader before it counts, since
that score alone would cost the delegate the certificate. Reports at or above the pass mark are
final after one reading. The two scores then give the final one:
- they differ by at most `second_reading_gap`: the mean of the two, rounded up (the benefit of the
  doubt goes to the delegate);
- they differ by more: the report is flagged (status "disputed") and an organiser in scope
  settles it with a final score of their own.
The final score lives in `Reflection.score`, which completion reads; the readings are kept apart.
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from diemcau.accounts.models import Grant, Role
from diemcau.accounts.scopes import Scope, scope_for
from diemcau.assessment.access import get_conference, grader_sites_q, require_central
from diemcau.assessment.conference_settings import saved_settings_for, settings_for
from diemcau.assessment.models import AssessmentSettings, Reflection, ReportStatus
from diemcau.assessment.reflections.reports import get_report, visible_reports
from diemcau.errors import Forbidden, Invalid, NotFound
from diemcau.sites.models import Site
from diemcau.units.models import Unit
from diemcau.units.services import get_unit, units_under_q

User = get_user_model()
OPEN = (ReportStatus.SUBMITTED, ReportStatus.SECOND)
MAX_BATCH = 5000


# -- the rule ---------------------------------------------------------------------------------
def needs_second_reading(conf: AssessmentSettings, first_score: int) -> bool:
    return (
        conf.second_reading
        and conf.min_report_score is not None
        and first_score < conf.min_report_score
    )


def final_score(first: int, second: int) -> int:
    """The mean of two close readings, rounded up."""
    return (first + second + 1) // 2


# -- the queue --------------------------------------------------------------------------------
def queue(scope: Scope, conference_id: int, *, mine: bool = False) -> QuerySet[Reflection]:
    """What this grader may read now: their assigned reports first, then unassigned ones.

    A second reading is never offered to the report's first reader.
    """
    me = scope.user_id
    qs = (
        visible_reports(scope, conference_id)
        .filter(
            Q(status=ReportStatus.SUBMITTED)
            | (Q(status=ReportStatus.SECOND) & ~Q(first_grader_id=me))
        )
        .filter(Q(assigned_to_id=me) | Q(assigned_to__isnull=True))
    )
    if mine:
        qs = qs.filter(assigned_to_id=me)
    return qs.annotate(
        not_mine=Case(When(assigned_to_id=me, then=Value(0)), default=Value(1)),
    ).order_by("not_mine", "submitted_at", "pk")


def disputed(scope: Scope, conference_id: int) -> QuerySet[Reflection]:
    return (
        visible_reports(scope, conference_id)
        .filter(status=ReportStatus.DISPUTED)
        .order_by("submitted_at", "pk")
    )


# -- reading ----------------------------------------------------------------------------------
def _check_score(conf: AssessmentSettings, score: int) -> None:
    if not 0 <= score <= conf.report_max_score:
        raise Invalid(
            _("The score must be between 0 and %(max)s.") % {"max": conf.report_max_score},
            {"score": str(score)},
        )


def _locked(scope: Scope, report_id: int) -> Reflection:
    get_report(scope, report_id)  # 404 outside the scope
    return Reflection.objects.select_for_update().get(pk=report_id)


@transaction.atomic
def grade(scope: Scope, report_id: int, score: int, comment: str) -> Reflection:
    """Record a reading: the first one, or the second when the report awaits it."""
    report = _locked(scope, report_id)
    conf = settings_for(report.conference_id)
    if report.status == ReportStatus.DRAFT:
        raise Invalid(_("This learning report has not been submitted yet."))
    if report.status == ReportStatus.DISPUTED:
        raise Invalid(_("The two readers disagree: an organiser settles this report."))
    if report.status == ReportStatus.GRADED and (report.second_grader_id or report.settled_by_id):
        raise Invalid(_("This learning report was read twice; only an organiser may change it."))
    if report.status == ReportStatus.SECOND and report.first_grader_id == scope.user_id:
        raise Forbidden(  # before the score's check: who may read comes first
            _("You graded this report first: the second reading must be someone else's.")
        )
    _check_score(conf, score)
    now, text = timezone.now(), comment.strip()
    if report.status == ReportStatus.SECOND:
        assert report.first_score is not None
        report.second_score, report.second_comment = score, text
        report.second_grader_id = scope.user_id
        if abs(report.first_score - score) > conf.second_reading_gap:
            report.status = ReportStatus.DISPUTED
        else:
            report.status = ReportStatus.GRADED
            report.score = final_score(report.first_score, score)
            report.comment = text or report.first_comment
    else:  # submitted, or graded once and corrected by a grader
        report.first_score, report.first_comment = score, text
        report.first_grader_id = scope.user_id
        if needs_second_reading(conf, score):
            report.status, report.score = ReportStatus.SECOND, None
        else:
            report.status, report.score, report.comment = ReportStatus.GRADED, score, text
    report.assigned_to = None  # the reading assigned is done; a second one is assigned anew
    report.assigned_at = None
    report.graded_by_id = scope.user_id
    report.graded_at = now
    report.save()
    return report


@transaction.atomic
def settle(scope: Scope, report_id: int, score: int, comment: str) -> Reflection:
    """An organiser's final score for a report whose two readers disagree."""
    report = _locked(scope, report_id)
    if report.status != ReportStatus.DISPUTED:
        raise Invalid(_("Only a report whose readers disagree is settled."))
    _check_score(settings_for(report.conference_id), score)
    report.score, report.comment = score, comment.strip()
    report.status = ReportStatus.GRADED
    report.settled_by_id = report.graded_by_id = scope.user_id
    report.graded_at = timezone.now()
    report.save()
    return report


# -- assignment -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Selection:
    """Which reports an organiser hands out: filters, a stage and how many."""

    count: int
    stage: str = ReportStatus.SUBMITTED  # or ReportStatus.SECOND
    site: str = ""
    unit: str = ""
    reassign: bool = False  # also take reports already assigned (to move them)


@dataclass
class Assignment:
    assigned: dict[str, int] = field(default_factory=dict)  # username → reports
    skipped: int = 0  # no chosen grader may read them

    def as_dict(self) -> dict[str, Any]:
        return {
            "assigned": self.assigned,
            "total": sum(self.assigned.values()),
            "skipped": self.skipped,
        }


def require_grader(scope: Scope) -> None:
    """404 for whoever grades no report at all (operators, viewers, sector answerers)."""
    if grader_sites_q(scope) is None:
        raise NotFound(_("Page not found."))


def eligible_graders(scope: Scope) -> list[Any]:
    """Organisers this one may hand reports to: their subtree's organisers (central: all)."""
    require_grader(scope)
    grants = Grant.objects.filter(role__in=[Role.PROVINCE_ORGANISER, Role.CENTRAL_ORGANISER])
    if not scope.everything:
        under = [units_under_q(u) for u in scope.organiser_units]
        allowed = Unit.objects.filter(_any(under)).values("pk")
        grants = grants.filter(role=Role.PROVINCE_ORGANISER, unit__in=allowed)
    return list(
        User.objects.filter(pk__in=grants.values("user_id"), is_active=True).order_by("username")
    )


def _any(parts: Sequence[Q]) -> Q:
    combined = parts[0]
    for part in parts[1:]:
        combined |= part
    return combined


def _unit_in_scope(scope: Scope, code: str) -> Unit:
    unit = get_unit(code)
    if unit is None or not (
        scope.everything
        or any(
            Unit.objects.filter(units_under_q(u), pk=unit.pk).exists()
            for u in scope.organiser_units
        )
    ):
        raise NotFound(_("Unit “%(code)s” not found.") % {"code": code})
    return unit


def select_reports(scope: Scope, conference_id: int, sel: Selection) -> QuerySet[Reflection]:
    if sel.stage not in OPEN:
        raise Invalid(_("Unknown status."), {"stage": sel.stage})
    qs = visible_reports(scope, conference_id).filter(status=sel.stage)
    if not sel.reassign:
        qs = qs.filter(assigned_to__isnull=True)
    if sel.site:
        qs = qs.filter(site__code=sel.site.strip())
    if sel.unit:
        unit = _unit_in_scope(scope, sel.unit.strip())
        qs = qs.filter(site__in=Site.objects.filter(units_under_q(unit, "unit__")).values("pk"))
    return qs.order_by("submitted_at", "pk")


def open_load(conference_id: int, users: Sequence[Any]) -> dict[int, int]:
    """Open reports assigned to each user: what fairness balances."""
    rows = (
        Reflection.objects.filter(
            conference_id=conference_id, assigned_to__in=users, status__in=OPEN
        )
        .values("assigned_to")
        .annotate(n=Count("pk", output_field=IntegerField()))
    )
    load = {u.pk: 0 for u in users}
    load.update({r["assigned_to"]: r["n"] for r in rows})
    return load


@transaction.atomic
def assign(
    scope: Scope, conference_id: int, sel: Selection, grader_ids: Sequence[int]
) -> Assignment:
    """Hand the selected reports to the graders, each to the least loaded one who may read it.

    Among graders of equal load the order given breaks the tie, so a batch to graders with
    nothing open goes round-robin. A report no chosen grader may read (outside their scope, or
    its second reading offered to its first reader) is left as it was and counted as skipped.
    """
    eligible = {u.pk: u for u in eligible_graders(scope)}  # who may assign first (404)
    if not 1 <= sel.count <= MAX_BATCH:
        raise Invalid(
            _("Assign between 1 and %(max)s reports at a time.") % {"max": MAX_BATCH},
            {"count": str(sel.count)},
        )
    if not grader_ids:
        raise Invalid(_("Choose at least one grader."), {"graders": ""})
    unknown = [g for g in grader_ids if g not in eligible]
    if unknown:
        raise NotFound(_("Grader not found."))
    graders = [eligible[g] for g in dict.fromkeys(grader_ids)]
    reports = list(
        select_reports(scope, conference_id, sel)
        .select_related(None)
        .prefetch_related(None)
        .select_for_update()
        .only("pk", "site_id", "first_grader_id")[: sel.count]
    )
    site_ids = {r.site_id for r in reports}
    covers: dict[int, set[int]] = {}
    for g in graders:
        q = grader_sites_q(scope_for(g))
        covers[g.pk] = (
            set()
            if q is None
            else set(Site.objects.filter(q, pk__in=site_ids).values_list("pk", flat=True))
        )
    load = open_load(conference_id, graders)
    order = {g.pk: i for i, g in enumerate(graders)}
    chosen: dict[int, list[int]] = defaultdict(list)
    result = Assignment()
    for report in reports:
        candidates = [
            g.pk
            for g in graders
            if report.site_id in covers[g.pk] and g.pk != report.first_grader_id
        ]
        if not candidates:
            result.skipped += 1
            continue
        pick = min(candidates, key=lambda pk: (load[pk], order[pk]))
        load[pick] += 1
        chosen[pick].append(report.pk)
    now = timezone.now()
    for pk, ids in chosen.items():
        Reflection.objects.filter(pk__in=ids).update(assigned_to_id=pk, assigned_at=now)
        result.assigned[eligible[pk].username] = len(ids)
    return result


def loads(scope: Scope, conference_id: int) -> list[dict[str, Any]]:
    """Each grader this organiser may assign to, with their open assigned reports."""
    graders = eligible_graders(scope)
    load = open_load(conference_id, graders)
    return [
        {"id": g.pk, "username": g.username, "name": g.get_full_name(), "open": load[g.pk]}
        for g in graders
    ]


def update_rule(
    scope: Scope, conference_id: int, *, second_reading: bool, gap: int
) -> AssessmentSettings:
    """Turn second reading on or off (central organisers: one rule for the conference)."""
    require_central(scope)
    get_conference(conference_id)
    if gap < 0:
        raise Invalid(_("Must be at least 0."), {"second_reading_gap": str(gap)})
    conf = saved_settings_for(conference_id)
    # An UPDATE, not save(): the completion rule is untouched, so no site goes stale.
    AssessmentSettings.objects.filter(pk=conf.pk).update(
        second_reading=second_reading, second_reading_gap=gap
    )
    conf.second_reading, conf.second_reading_gap = second_reading, gap
    return conf


def rule_as_dict(conf: AssessmentSettings) -> dict[str, Any]:
    return {
        "second_reading": conf.second_reading,
        "second_reading_gap": conf.second_reading_gap,
        "pass_score": conf.min_report_score,
        "max_score": conf.report_max_score,
    }

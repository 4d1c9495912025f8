"""Completion of a conference: attended at least N sessions, quiz passed, report graded ≥ M.

The three facts are read in three grouped queries over the delegates in view and combined in
Python, so one rule serves a delegate's own page, a site's certificates and a province's rates.
Attendance is read here, from attendance.models.CheckIn (valid = not annulled), rather than
through the attendance app's services, which were being written at the same time.

Catch-up (xem lại): a session the delegate did not attend but whose recording they watched to the
organiser's share (catchup.services.caught_up) counts as followed, beside the sessions attended.
"""

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count
from django.utils.translation import gettext as _

from diemcau.accounts.scopes import Scope
from diemcau.assessment.access import get_conference, readable_unit
from diemcau.assessment.catchup import services as catchup
from diemcau.assessment.conference_settings import settings_for
from diemcau.assessment.models import AssessmentSettings, Attempt, Reflection, ReportStatus
from diemcau.attendance.models import CheckIn
from diemcau.delegates.models import Delegate
from diemcau.errors import NotFound
from diemcau.sites.models import Site
from diemcau.units.models import Kind, Level, Unit
from diemcau.units.services import units_under_q


@dataclass(frozen=True)
class Status:
    attended: int
    quiz_passed: bool
    report_score: int | None
    complete: bool
    caught_up: int = 0  # sessions not attended, followed by watching their recording

    def as_dict(self) -> dict[str, Any]:
        return {
            "attended": self.attended,
            "caught_up": self.caught_up,
            "quiz_passed": self.quiz_passed,
            "report_score": self.report_score,
            "complete": self.complete,
        }


def attended_sessions(delegate_ids: Iterable[int], conference_id: int) -> dict[int, int]:
    """Valid check-ins per delegate in the conference's sessions."""
    ids = list(delegate_ids)
    rows = (
        CheckIn.objects.filter(
            delegate_id__in=ids,
            annulled_at__isnull=True,
            session__day__conference_id=conference_id,
        )
        .values("delegate_id")
        .annotate(n=Count("session_id", distinct=True))
        .values_list("delegate_id", "n")
    )
    return dict(rows)


def _passed(ids: list[int], conference_id: int) -> set[int]:
    return set(
        Attempt.objects.filter(delegate_id__in=ids, conference_id=conference_id, passed=True)
        .values_list("delegate_id", flat=True)
        .distinct()
    )


def _report_scores(ids: list[int], conference_id: int) -> dict[int, int | None]:
    return dict(
        Reflection.objects.filter(
            delegate_id__in=ids, conference_id=conference_id, status=ReportStatus.GRADED
        ).values_list("delegate_id", "score")
    )


def decide(conf: AssessmentSettings, attended: int, passed: bool, score: int | None) -> bool:
    return (
        attended >= conf.min_sessions
        and (passed or not conf.require_quiz)
        and (
            conf.min_report_score is None or (score is not None and score >= conf.min_report_score)
        )
    )


def statuses(delegate_ids: Iterable[int], conference_id: int) -> dict[int, Status]:
    ids = list(delegate_ids)
    conf = settings_for(conference_id)
    attended = attended_sessions(ids, conference_id)
    caught = catchup.caught_up(ids, conference_id)
    passed = _passed(ids, conference_id)
    scores = _report_scores(ids, conference_id)  # a graded report always has a score
    return {
        d: Status(
            attended=attended.get(d, 0),
            quiz_passed=d in passed,
            report_score=scores.get(d),
            complete=decide(
                conf, attended.get(d, 0) + caught.get(d, 0), d in passed, scores.get(d)
            ),
            caught_up=caught.get(d, 0),
        )
        for d in ids
    }


def status_of(delegate: Delegate, conference_id: int) -> Status:
    return statuses([delegate.pk], conference_id)[delegate.pk]


def _rate(done: int, total: int) -> float:
    return round(done / total, 4) if total else 0.0


def rates(scope: Scope, conference_id: int, unit_code: str | None) -> dict[str, Any]:
    """Completion under a node of the tree: totals, per site, and per child unit."""
    unit = readable_unit(scope, unit_code)
    get_conference(conference_id)
    read_q = scope.site_read_q()
    if read_q is None:
        raise NotFound(_("Unit “%(code)s” not found.") % {"code": unit_code or ""})
    sites = Site.objects.filter(read_q).filter(units_under_q(unit, "unit__"))
    rows = list(
        Delegate.objects.filter(site__in=sites.values("pk")).values_list(
            "pk",
            "site_id",
            "site__code",
            "site__unit_id",
            "site__unit__parent_id",
            "province_id",
        )
    )
    found = statuses([r[0] for r in rows], conference_id)
    by_site: dict[str, Counter[str]] = defaultdict(Counter)
    by_child: dict[int, Counter[str]] = defaultdict(Counter)
    total: Counter[str] = Counter()
    for pk, _site_id, site_code, unit_id, parent_id, province_id in rows:
        s = found[pk]
        child = _child_of(unit, unit_id, parent_id, province_id)
        for bucket in (total, by_site[site_code], by_child[child] if child else None):
            if bucket is None:
                continue
            bucket["delegates"] += 1
            bucket["completed"] += s.complete
            bucket["quiz_passed"] += s.quiz_passed
            bucket["report_graded"] += s.report_score is not None
            bucket["attended"] += s.attended > 0
            bucket["caught_up"] += s.caught_up > 0
    names = dict(Unit.objects.filter(pk__in=list(by_child)).values_list("pk", "code"))

    def line(c: Counter[str]) -> dict[str, Any]:
        return {
            **{
                k: c[k]
                for k in (
                    "delegates",
                    "completed",
                    "quiz_passed",
                    "report_graded",
                    "attended",
                    "caught_up",
                )
            },
            "rate": _rate(c["completed"], c["delegates"]),
        }

    return {
        "unit": unit.code,
        "unit_name": unit.name,
        "conference": conference_id,
        **line(total),
        "by_unit": [
            {"unit": names[k], **line(v)} for k, v in sorted(by_child.items()) if k in names
        ],
        "by_site": [{"site": k, **line(v)} for k, v in sorted(by_site.items())],
    }


def _child_of(
    unit: Unit, unit_id: int, parent_id: int | None, province_id: int | None
) -> int | None:
    """The child of `unit` a site belongs to: its province under the centre, its commune under
    a province (an organisation hangs under its parent)."""
    if unit.level == Level.CENTRAL and unit.kind == Kind.ADMINISTRATIVE:
        return province_id
    if unit.level == Level.PROVINCE and unit.kind == Kind.ADMINISTRATIVE:
        if unit.pk in (unit_id, parent_id) or parent_id is None:
            return unit_id
        return parent_id
    return None

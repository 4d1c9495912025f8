"""The report's tables, each computed by the owning app's services, never by reading its tables.

A table is plain data (title, columns, rows, a total row) so that the page, the XLSX, the CSV,
the JSON and a frozen snapshot are all the same figures. A table the caller may not see (a
sector answerer has no attendance figures) is left out, not shown empty.
"""

import contextlib
from collections.abc import Callable, Collection
from typing import Any

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from diemcau.accounts.scopes import Scope
from diemcau.attendance.summary import summary as attendance_summary
from diemcau.errors import NotFound
from diemcau.operations import incidents, rollup
from diemcau.questions.figures import by_sector
from diemcau.reports import infrastructure, learning, timelines
from diemcau.reports.tables import Builder, Figures, Table
from diemcau.sites.models import SiteStatus
from diemcau.sites.services import visible_sites
from diemcau.units.models import Kind, Level, Unit
from diemcau.units.organisations import CENTRAL_CODE
from diemcau.units.services import get_unit, units_under_q


def levels() -> dict[str, str]:
    """Level names in the reader's language (called per report: the language is per request)."""
    return {
        Level.CENTRAL: pgettext("report level", "Central"),
        Level.PROVINCE: pgettext("report level", "Province level"),
        Level.COMMUNE: pgettext("report level", "Commune level"),
    }


def kinds() -> dict[str, str]:
    return {
        Kind.ADMINISTRATIVE: pgettext("unit kind", "Government"),
        Kind.ORGANISATION: pgettext("unit kind", "Agencies and organisations"),
    }


def states() -> dict[str, str]:
    return {
        "online": pgettext("connection", "Online"),
        "degraded": pgettext("connection", "Poor quality"),
        "offline": pgettext("connection", "Disconnected"),
    }


def total_label() -> str:
    return pgettext("report row", "Total")


# The column each table's bars show, on the page and in the PDF alike.
CHART_COLUMN = {
    "dai-bieu": 4,
    "diem-cau": 3,
    "ket-noi": 1,
    "ket-noi-phien": 2,
    "su-co": 1,
    "cau-hoi": 1,
    "diem-danh-theo-gio": 1,
    "su-co-theo-gio": 1,
    "kiem-tra-ky-thuat": 2,
    "mat-ket-noi": 2,
    "may-chu-chuyen-tiep": 4,
    "hoc-tap": 5,
}
# Tables a sector answerer gets: their sector's questions, nothing about sites or people.
ANSWERER_TABLES = frozenset({"cau-hoi"})
Progress = Callable[[int, int], None]


def builders() -> list[tuple[str, Builder]]:
    """Every table of a report, in the order it is shown, with the function that builds it."""
    return [
        ("diem-cau", _sites),
        ("trang-thai-diem-cau", _site_status),
        ("kiem-tra-ky-thuat", infrastructure.rehearsals_table),
        ("dai-bieu", _attendance),
        ("diem-danh-theo-gio", timelines.attendance_over_time),
        ("ket-noi", _live),
        ("ket-noi-phien", timelines.connections_per_session),
        ("mat-ket-noi", infrastructure.outage_table),
        ("su-co", _incidents),
        ("su-co-theo-gio", timelines.incidents_over_time),
        ("may-chu-chuyen-tiep", infrastructure.relay_table),
        ("cau-hoi", _questions),
        ("hoc-tap", learning.learning_table),
    ]


def answerer_only(scope: Scope) -> bool:
    """A sector answerer with no other grant: their sector's questions are all they may read."""
    return bool(scope.sectors) and not (
        scope.everything
        or scope.reads_everything
        or scope.organiser_units
        or scope.viewer_units
        or scope.operator_site_ids
    )


def report_unit(scope: Scope, unit_code: str | None) -> Unit:
    """The node of the report; 404 outside the caller's scope.

    A sector answerer's questions come from the whole country, so any unit narrows them; every
    other caller gets the nodes the dashboard lets them read.
    """
    if answerer_only(scope):
        unit = get_unit(unit_code or CENTRAL_CODE)
        if unit is None:
            raise NotFound(_("Unit “%(code)s” not found.") % {"code": unit_code or ""})
        return unit
    return rollup.dashboard_unit(scope, unit_code)


def compute(
    scope: Scope,
    unit_code: str | None,
    session_id: int | None,
    *,
    only: Collection[str] | None = None,
    progress: Progress | None = None,
    conference_id: int | None = None,
) -> Figures:
    """The report's tables (or those named in `only`), reporting (done, total) after each."""
    unit = report_unit(scope, unit_code)
    figures = Figures(
        unit=unit, session_id=session_id, generated_at=timezone.now(), conference_id=conference_id
    )
    wanted = [
        (key, build)
        for key, build in builders()
        if (only is None or key in only) and (not answerer_only(scope) or key in ANSWERER_TABLES)
    ]
    for done, (_key, build) in enumerate(wanted, start=1):
        with contextlib.suppress(NotFound):  # a part the caller may not see is left out
            build(scope, figures)
        if progress is not None:
            progress(done, len(wanted))
    return figures


def _sites(scope: Scope, figures: Figures) -> None:
    qs = visible_sites(scope).filter(units_under_q(figures.unit, "unit__"))
    counts = {
        (r["unit__level"], r["unit__kind"]): r["n"]
        for r in qs.values("unit__level", "unit__kind").annotate(n=Count("pk")).order_by()
    }
    kind_names = kinds()
    rows = []
    for level, level_name in levels().items():
        row: list[Any] = [level_name]
        row += [counts.get((level, kind), 0) for kind in kind_names]
        row.append(sum(row[1:]))
        rows.append(row)
    total = [total_label(), *[sum(r[i] for r in rows) for i in range(1, len(kind_names) + 2)]]
    figures.totals["sites"] = total[-1]
    figures.totals["sites_province"] = rows[1][-1]
    figures.totals["sites_commune"] = rows[2][-1]
    figures.tables.append(
        Table(
            "diem-cau",
            _("Sites by level"),
            [_("Level"), *kind_names.values(), pgettext("report column", "All")],
            rows,
            total,
        )
    )


def site_states() -> dict[str, str]:
    """The registry's own states: "planned" is every site in it, "taking part" all but the
    withdrawn."""
    return {
        SiteStatus.REGISTERED: pgettext("site state", "Registered"),
        SiteStatus.READY: pgettext("site state", "Ready"),
        SiteStatus.CONNECTED: pgettext("site state", "Connected"),
        SiteStatus.DISCONNECTED: pgettext("site state", "Disconnected"),
        SiteStatus.WITHDRAWN: pgettext("site state", "Withdrawn"),
    }


def _site_status(scope: Scope, figures: Figures) -> None:
    """Planned against taking part, by level: the sites table counts every site registered."""
    qs = visible_sites(scope).filter(units_under_q(figures.unit, "unit__"))
    counts = {
        (r["unit__level"], r["status"]): r["n"]
        for r in qs.values("unit__level", "status").annotate(n=Count("pk")).order_by()
    }
    names = site_states()
    rows = []
    for level, level_name in levels().items():
        by_state = [counts.get((level, state), 0) for state in names]
        planned = sum(by_state)
        withdrawn = counts.get((level, SiteStatus.WITHDRAWN), 0)
        rows.append([level_name, planned, planned - withdrawn, *by_state])
    total = [total_label(), *[sum(r[i] for r in rows) for i in range(1, len(rows[0]))]]
    figures.tables.append(
        Table(
            "trang-thai-diem-cau",
            _("Sites planned and taking part, by registration state"),
            [_("Level"), _("Planned"), _("Taking part"), *names.values()],
            rows,
            total,
            note=_("Planned: every site on the list; taking part: all but the sites withdrawn."),
        )
    )


def _attendance(scope: Scope, figures: Figures) -> None:
    data = attendance_summary(scope, figures.unit.code, figures.session_id)
    keys = ("registered", "checked_in", "headcount", "present", "sites", "sites_reporting")
    rows = [[c["name"], *[c.get(k, 0) for k in keys]] for c in data["children"]]
    total = [total_label(), *[data.get(k, 0) for k in keys]]
    figures.totals.update({k: data.get(k, 0) for k in keys})
    figures.tables.append(
        Table(
            "dai-bieu",
            _("Delegates: registered and present"),
            [
                _("Unit"),
                pgettext("delegates", "Registered"),
                _("Checked in (badge)"),
                _("Headcount reported"),
                pgettext("delegates", "Present"),
                _("Sites"),
                _("Sites with figures"),
            ],
            rows,
            total,
            note=_(
                "Present: the badge check-ins at sites that scan, the reported count at sites "
                "that only count; each person is counted once per session."
            ),
        )
    )


def _live(scope: Scope, figures: Figures) -> None:
    data = rollup.status(scope, figures.unit.code, timezone.now().timestamp(), worst=0)
    keys = ("online", "degraded", "offline", "never")
    rows = [[c["name"], *[c.get("counts", c).get(k, 0) for k in keys]] for c in data["children"]]
    counts = data["counts"]
    total = [total_label(), *[counts.get(k, 0) for k in keys]]
    figures.totals["connected"] = counts.get("total", 0) - counts.get("never", 0)
    figures.totals["never_connected"] = counts.get("never", 0)
    figures.tables.append(
        Table(
            "ket-noi",
            _("Site connections (now)"),
            [_("Unit"), *states().values(), pgettext("report column", "Never connected")],
            rows,
            total,
        )
    )


def _incidents(scope: Scope, figures: Figures) -> None:
    province = figures.unit.code if figures.unit.level == Level.PROVINCE else None
    overall, per_province = incidents.resolve_times(scope, province)

    def row(t: Any) -> list[Any]:
        return [t.name, t.resolved + t.open, t.resolved, _minutes(t.median_s), _minutes(t.p90_s)]

    figures.totals["incidents"] = overall.resolved + overall.open
    figures.tables.append(
        Table(
            "su-co",
            _("Technical incidents and time to fix"),
            [
                pgettext("report column", "Province"),
                _("Incidents"),
                _("Fixed"),
                _("Median (minutes)"),
                _("P90 (minutes)"),
            ],
            [row(t) for t in per_province],
            [total_label(), *row(overall)[1:]],
        )
    )


def _minutes(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 60, 1)


def _questions(scope: Scope, figures: Figures) -> None:
    sectors = by_sector(scope, figures.unit, figures.session_id)
    unsorted = _("Not classified")
    rows: list[list[Any]] = [
        [s.name or unsorted, s.received, s.clusters, s.answered, s.published,
         s.median_hours_to_answer]
        for s in sectors
    ]  # fmt: skip
    sums = [sum(int(r[i]) for r in rows) for i in range(1, 5)]
    figures.totals["questions"] = sums[0]
    figures.totals["answered"] = sums[2]
    total: list[Any] = [total_label(), *sums, None]
    figures.tables.append(
        Table(
            "cau-hoi",
            _("Questions and difficulties by sector"),
            [
                pgettext("report column", "Sector"),
                _("Received"),
                _("Groups (after merging)"),
                _("Answered"),
                _("Published"),
                _("Median hours to answer"),
            ],
            rows,
            total,
        )
    )

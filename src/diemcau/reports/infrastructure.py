"""The report's tables on the technical side: rehearsals passed, stream outage during the
sessions, relay load. The figures are the operations and streaming apps' read-only services;
this module picks the windows and the node and lays the numbers out as tables.
"""

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from diemcau import vnformat
from diemcau.accounts.scopes import Scope
from diemcau.errors import Forbidden, Invalid, NotFound
from diemcau.operations import outages, readiness_figures
from diemcau.operations import timeline as ops_timeline
from diemcau.reports.tables import Figures, Table
from diemcau.reports.timelines import sessions_of
from diemcau.streaming.figures import relay_load
from diemcau.units.models import Kind, Level


def health_names() -> dict[str, str]:
    return {
        "up": pgettext("relay health", "Working"),
        "down": pgettext("relay health", "Unreachable"),
        "unknown": pgettext("relay health", "Not checked"),
    }


def total_label() -> str:
    return pgettext("report row", "Total")


def rehearsals_table(scope: Scope, figures: Figures) -> None:
    total, children = readiness_figures.by_child(scope, figures.unit.code)

    def row(r: readiness_figures.Readiness) -> list[Any]:
        return [r.name, r.sites, r.ready, r.failed, r.never, r.ready_percent]

    figures.totals["rehearsal_passed"] = total.ready
    figures.tables.append(
        Table(
            "kiem-tra-ky-thuat",
            _("Technical checks (rehearsal)"),
            [
                _("Unit"),
                _("Sites"),
                pgettext("rehearsal", "Passed"),
                pgettext("rehearsal", "Failed"),
                pgettext("rehearsal", "Not checked"),
                _("Pass rate (%)"),
            ],
            [row(r) for r in children],
            [total_label(), *row(total)[1:]],
            note=_(
                "By each site's latest check, in any technical check round; a site passes when "
                "it sees the picture and hears the sound clearly."
            ),
        )
    )


def outage_table(scope: Scope, figures: Figures) -> None:
    sessions = sessions_of(figures.session_id, figures.conference_id)
    windows = [ops_timeline.session_window(s) for s in sessions]
    if not windows:
        return
    data = outages.outages(scope, figures.unit.code, windows, timezone.now(), sessions)

    def row(o: outages.Outage) -> list[Any]:
        return [o.name, o.sites, o.minutes, o.median_minutes, o.p90_minutes]

    figures.totals["outage_sites"] = data.total.sites
    figures.tables.append(
        Table(
            "mat-ket-noi",
            _("Time sites lost the signal during the sessions"),
            [
                _("Unit"),
                _("Sites that lost the signal"),
                _("Minutes in all"),
                _("Median (minutes per site)"),
                _("P90 (minutes per site)"),
            ],
            [row(o) for o in data.children],
            [total_label(), *row(data.total)[1:]],
            note=_(
                "Counted while a session runs, from the moment a site goes offline until it "
                "connects again; only units with a site that lost the signal are listed."
            ),
        )
    )


def relay_table(scope: Scope, figures: Figures) -> None:
    """National infrastructure: for central callers, in the national report only."""
    unit = figures.unit
    if not (scope.everything or scope.reads_everything):
        return
    if not (unit.level == Level.CENTRAL and unit.kind == Kind.ADMINISTRATIVE):
        return
    try:
        data = relay_load(scope)
    except (Forbidden, Invalid, NotFound):
        return
    health = health_names()
    rows: list[list[Any]] = [
        [
            r.code if r.name == r.code else f"{r.code} ({r.name})",
            r.sites,
            r.egress_mbps,
            r.capacity_mbps,
            r.used_percent,
            health.get(r.health, r.health),
        ]
        for r in data.relays
    ]
    total: list[Any] = [
        total_label(),
        sum(r.sites for r in data.relays),
        round(sum(r.egress_mbps for r in data.relays), 1),
        sum(r.capacity_mbps for r in data.relays),
        None,
        None,
    ]
    figures.tables.append(
        Table(
            "may-chu-chuyen-tiep",
            _("Relay server load"),
            [
                _("Server"),
                _("Sites served"),
                _("Expected bandwidth (Mbit/s)"),
                _("Capacity (Mbit/s)"),
                _("Used (%)"),
                _("Health"),
            ],
            rows,
            total,
            note=_(
                "Stream %(stream)s, quality %(rendition)s; each site counts at its first server. "
                "%(direct)s sites receive straight from the origin server (expected origin "
                "bandwidth %(origin)s Mbit/s)."
            )
            % {
                "stream": data.stream,
                "rendition": data.rendition,
                "direct": vnformat.number(data.direct_sites),
                "origin": vnformat.number(data.origin_egress_mbps),
            },
        )
    )

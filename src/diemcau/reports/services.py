"""Reports: live figures for a node and a session, frozen snapshots, and the difference.

A report is the figures (figures.py) plus the headline (headline.py), as one JSON-ready dict:
the page, the exports and a snapshot all come from it, so they can never disagree.
"""

from collections.abc import Collection
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from diemcau.accounts.scopes import Scope
from diemcau.errors import NotFound
from diemcau.operations import rollup
from diemcau.programme.models import Conference, Topic
from diemcau.reports import choice
from diemcau.reports import figures as figures_module
from diemcau.reports.headline import headline, plain
from diemcau.reports.models import Snapshot


def _topics(conference: Conference | None) -> int:
    if conference is None:
        return 0
    return Topic.objects.filter(session__day__conference=conference).count()


def report(
    scope: Scope,
    node: str | None,
    session_id: int | None,
    *,
    only: Collection[str] | None = None,
    progress: figures_module.Progress | None = None,
    conference_id: int | None = None,
) -> dict[str, Any]:
    """The report as one dict; `only` keeps the named tables (the API's `table=`), `progress`
    hears (done, total) after each table. The conference is the session's, else the one asked
    for, else today's (choice.pick); the dict names it, so no reader has to guess."""
    chosen = choice.pick(conference_id, session_id)
    conference = chosen.conference
    figs = figures_module.compute(
        scope,
        node,
        session_id,
        only=only,
        progress=progress,
        conference_id=conference.pk if conference else None,
    )
    name = conference.name if conference else _("Conference")
    parts = headline(figs, name, _topics(conference))
    session = chosen.session
    return {
        "node": {"code": figs.unit.code, "name": figs.unit.name, "level": figs.unit.level},
        "session": {"id": session.pk, "title": str(session.title)} if session else None,
        "conference": name,
        "conference_id": conference.pk if conference else None,
        "generated_at": figs.generated_at.isoformat(),
        "headline": plain(parts),
        "headline_parts": [{"text": p.text, "table": p.table} for p in parts],
        "totals": figs.totals,
        "tables": [t.as_dict() for t in figs.tables],
        "frozen": None,
    }


def check_node(scope: Scope, node: str | None) -> str:
    """The code of the node the caller asks for (or their own); 404 outside their scope."""
    return figures_module.report_unit(scope, node).code


@transaction.atomic
def freeze(
    scope: Scope,
    user: Any,
    node: str | None,
    session_id: int | None,
    *,
    conference_id: int | None = None,
) -> Snapshot:
    """Keep the report as it stands now; organisers only (not viewers or answerers)."""
    if not (scope.everything or scope.organiser_units):
        raise NotFound(_("Unit “%(code)s” not found.") % {"code": node or ""})
    data = report(scope, node, session_id, conference_id=conference_id)
    part = data["session"]["title"] if data["session"] else data["conference"]
    title = f"{data['node']['name']} — {part}"
    return Snapshot.objects.create(
        node=data["node"]["code"], session_id=session_id, title=title, data=data, frozen_by=user
    )


def snapshots(scope: Scope, node: str | None) -> list[Snapshot]:
    """Frozen reports of a node; none for a sector answerer (they hold sites' figures)."""
    if figures_module.answerer_only(scope):
        return []
    unit = rollup.dashboard_unit(scope, node)
    return list(Snapshot.objects.filter(node=unit.code).select_related("frozen_by")[:50])


def get_snapshot(scope: Scope, pk: int) -> dict[str, Any]:
    """A frozen report as it was frozen, plus who froze it and when."""
    snapshot = Snapshot.objects.select_related("frozen_by").filter(pk=pk).first()
    if snapshot is None:
        raise NotFound(_("Report %(id)s not found.") % {"id": pk})
    rollup.dashboard_unit(scope, snapshot.node)  # 404 outside the caller's scope
    data = dict(snapshot.data)
    data["frozen"] = {
        "id": snapshot.pk,
        "at": snapshot.frozen_at.isoformat(),
        "by": snapshot.frozen_by.get_username() if snapshot.frozen_by else "",
    }
    return data


def diff(frozen: dict[str, Any], live: dict[str, Any]) -> list[dict[str, Any]]:
    """Every figure that changed since the freeze: table, row, column, then → now."""
    changes: list[dict[str, Any]] = []
    live_tables = {t["key"]: t for t in live["tables"]}
    for table in frozen["tables"]:
        now = live_tables.get(table["key"])
        if now is None:
            continue
        before_rows = {_row_key(r): r for r in [*table["rows"], table.get("total") or []] if r}
        for row in [*now["rows"], now.get("total") or []]:
            if not row:
                continue
            before = before_rows.get(_row_key(row))
            for i, column in enumerate(now["columns"]):
                if i == 0:
                    continue
                old = before[i] if before is not None and i < len(before) else None
                if old != row[i]:
                    changes.append(
                        {"table": table["title"], "row": row[0], "column": column,
                         "frozen": old, "now": row[i]}
                    )  # fmt: skip
    return changes


def _row_key(row: list[Any]) -> str:
    return str(row[0])

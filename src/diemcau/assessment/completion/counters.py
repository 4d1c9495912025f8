"""Keeping the completion counters (completion.models.CompletionSite) right.

Writers only mark a site's row stale; the figures are recounted here from the source tables
(valid check-ins in the conference's sessions, passed attempts, graded reports) with one
grouped query per batch of sites, the same SQL that rebuilds the whole table. So a counter is
always what a full recount would say, and the rule (N sessions, quiz, M) lives in one place.

Concurrency: a mark is an unconditional UPDATE in the writer's transaction, and a recount
clears the flag in the transaction that rewrites the figures. On PostgreSQL a writer's mark
waits on the recount's row lock (or the recount's claim waits on the writer's), so a pass
committed during a recount sets the flag again and is counted next time; SQLite runs one
writer at a time anyway.
"""

import time
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection, transaction

from diemcau.assessment.catchup import services as catchup
from diemcau.assessment.conference_settings import settings_for
from diemcau.assessment.models import (
    AssessmentSettings,
    Attempt,
    CatchUpView,
    CompletionSite,
    Reflection,
    ReportStatus,
)
from diemcau.attendance.models import CheckIn
from diemcau.delegates.models import Delegate
from diemcau.programme.models import Session

_TABLE = CompletionSite._meta.db_table
_DELEGATES = Delegate._meta.db_table
_CHECKINS = CheckIn._meta.db_table
_WATCHED = CatchUpView._meta.db_table
_ATTEMPTS = Attempt._meta.db_table
_REPORTS = Reflection._meta.db_table
FIGURES = ("delegates", "attended", "quiz_passed", "report_graded", "report_passed", "completed")
# Counted beside the figures, not a condition of completion (attendance's recount compares
# FIGURES only): seconds of recordings watched.
COLUMNS = (*FIGURES, "watched_s")
BATCH_SITES = 50


def _in(values: Sequence[Any]) -> str:
    return ", ".join(["%s"] * len(values))


# -- marking ---------------------------------------------------------------------------------
def mark_delegate(conference_id: int, delegate_id: int) -> None:
    """The quiz's hot path: one UPDATE, no read, inside the submitting transaction."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {_TABLE} SET stale = %s WHERE conference_id = %s AND site_id = "  # noqa: S608
            f"(SELECT site_id FROM {_DELEGATES} WHERE id = %s)",
            [True, conference_id, delegate_id],
        )


def mark_sites(conference_id: int | None, site_ids: Iterable[int]) -> None:
    """These sites' rows are stale, in one conference or (None) in every conference counted.

    A site without a row yet (its first delegates) gets one in each conference already counted;
    conferences never counted are built whole on their first read.
    """
    wanted = sorted(set(site_ids))
    if not wanted:
        return
    conferences = (
        [conference_id]
        if conference_id is not None
        else list(
            CompletionSite.objects.order_by().values_list("conference_id", flat=True).distinct()
        )
    )
    if (
        conference_id is not None
        and not CompletionSite.objects.filter(conference_id=conference_id).exists()
    ):
        return  # never counted: built whole on its first read
    rows = [(c, s, True) for c in conferences for s in wanted]
    if not rows:
        return
    sql = (
        f"INSERT INTO {_TABLE} (conference_id, site_id, delegates, attended, quiz_passed, "  # noqa: S608
        "report_graded, report_passed, completed, stale) VALUES (%s, %s, 0, 0, 0, 0, 0, 0, %s) "
        "ON CONFLICT (conference_id, site_id) DO UPDATE SET stale = excluded.stale"
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def mark_delegates(delegate_ids: Iterable[int]) -> None:
    """Check-ins counted or annulled for these delegates: their home sites, every conference."""
    ids = sorted(set(delegate_ids))
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {_TABLE} SET stale = %s WHERE site_id IN "  # noqa: S608
                f"(SELECT site_id FROM {_DELEGATES} WHERE id IN ({_in(chunk)}))",
                [True, *chunk],
            )


def mark_conference(conference_id: int) -> None:
    CompletionSite.objects.filter(conference_id=conference_id).update(stale=True)


def on_checkins(sender: Any = None, delegate_ids: Iterable[int] = (), **kwargs: Any) -> None:
    """Receiver for the attendance app's signal after check-ins were counted or annulled."""
    mark_delegates(delegate_ids)


# -- counting --------------------------------------------------------------------------------
def _rule(conference_id: int) -> AssessmentSettings:
    """The completion rule (the defaults when none was saved: counting never writes it)."""
    return settings_for(conference_id)


def count_sql(conference_id: int, site_ids: Sequence[int] | None) -> tuple[str, list[Any]]:
    """Per site: delegates and how many meet each condition and all of them, from the sources.

    With `site_ids` every part is narrowed to those sites' delegates (index lookups); without,
    it is the full recount (and the naive national roll-up of the bench).
    """
    rule = _rule(conference_id)
    sessions = list(
        Session.objects.filter(day__conference_id=conference_id).values_list("pk", flat=True)
    ) or [-1]
    within: list[Any] = []
    narrow = ""
    if site_ids is not None:
        narrow = (
            f" AND delegate_id IN (SELECT id FROM {_DELEGATES} WHERE site_id IN ({_in(site_ids)}))"  # noqa: S608
        )
        within = list(site_ids)
    params: list[Any] = []
    # One valid check-in per delegate and session (a partial unique index): COUNT(*) = sessions.
    checkins = (
        f"SELECT delegate_id, COUNT(*) AS n FROM {_CHECKINS} "  # noqa: S608
        f"WHERE annulled_at IS NULL AND session_id IN ({_in(sessions)}){narrow} "
        "GROUP BY delegate_id"
    )
    params += [*sessions, *within]
    catchup_rule = catchup.rule_of(conference_id)
    if catchup_rule is not None:
        # Sessions followed: attended, or not attended and their recording watched to the
        # organiser's share (catchup); UNION counts a session attended and watched once.
        checkins = (
            "SELECT delegate_id, COUNT(*) AS n FROM ("  # noqa: S608
            f"SELECT delegate_id, session_id FROM {_CHECKINS} "
            f"WHERE annulled_at IS NULL AND session_id IN ({_in(sessions)}){narrow} UNION "
            f"SELECT delegate_id, session_id FROM {_WATCHED} "
            f"WHERE session_id IN ({_in(sessions)}) AND watched_s >= duration_s * %s{narrow}"
            ") followed GROUP BY delegate_id"
        )
        params += [*sessions, catchup_rule.percent / 100, *within]
    passed = (
        f"SELECT DISTINCT delegate_id FROM {_ATTEMPTS} "  # noqa: S608
        f"WHERE conference_id = %s AND passed = %s{narrow}"
    )
    params += [conference_id, True, *within]
    graded = (
        f"SELECT delegate_id, score FROM {_REPORTS} "  # noqa: S608
        f"WHERE conference_id = %s AND status = %s{narrow}"
    )
    params += [conference_id, ReportStatus.GRADED, *within]
    watched = (
        f"SELECT delegate_id, SUM(watched_s) AS s FROM {_WATCHED} "  # noqa: S608
        f"WHERE session_id IN ({_in(sessions)}){narrow} GROUP BY delegate_id"
    )
    params += [*sessions, *within]
    attended = "COALESCE(c.n, 0) >= %s"
    quiz_ok = "p.delegate_id IS NOT NULL" if rule.require_quiz else "1 = 1"
    report_ok = "r.score >= %s" if rule.min_report_score is not None else "r.score IS NOT NULL"
    report_params = [rule.min_report_score] if rule.min_report_score is not None else []
    report_rule = (
        f"({report_ok})" if rule.min_report_score is not None else "1 = 1"
    )  # no M: the report is not a condition
    select = [
        "d.site_id",
        "COUNT(*)",
        f"SUM(CASE WHEN {attended} THEN 1 ELSE 0 END)",
        "SUM(CASE WHEN p.delegate_id IS NOT NULL THEN 1 ELSE 0 END)",
        "SUM(CASE WHEN r.score IS NOT NULL THEN 1 ELSE 0 END)",
        f"SUM(CASE WHEN {report_ok} THEN 1 ELSE 0 END)",
        f"SUM(CASE WHEN {attended} AND {quiz_ok} AND {report_rule} THEN 1 ELSE 0 END)",
        "SUM(COALESCE(w.s, 0))",
    ]
    head_params = [rule.min_sessions, *report_params, rule.min_sessions, *report_params]
    where = f" WHERE d.site_id IN ({_in(within)})" if site_ids is not None else ""
    sql = (
        f"SELECT {', '.join(select)} FROM {_DELEGATES} d "  # noqa: S608
        f"LEFT JOIN ({checkins}) c ON c.delegate_id = d.id "
        f"LEFT JOIN ({passed}) p ON p.delegate_id = d.id "
        f"LEFT JOIN ({graded}) r ON r.delegate_id = d.id "
        f"LEFT JOIN ({watched}) w ON w.delegate_id = d.id{where} GROUP BY d.site_id"
    )
    return sql, [*head_params, *params, *within]


def count(conference_id: int, site_ids: Sequence[int] | None = None) -> dict[int, tuple[int, ...]]:
    """{site id: (delegates, attended, quiz_passed, report_graded, report_passed, completed,
    watched_s)}: COLUMNS in order."""
    sql, params = count_sql(conference_id, site_ids)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {row[0]: tuple(int(v or 0) for v in row[1:]) for row in cursor.fetchall()}


def _write(
    conference_id: int, figures: dict[int, tuple[int, ...]], site_ids: Iterable[int]
) -> None:
    rows = [
        (conference_id, site, *figures.get(site, (0,) * len(COLUMNS)), False)
        for site in sorted(set(site_ids))
    ]
    sql = (
        f"INSERT INTO {_TABLE} (conference_id, site_id, {', '.join(COLUMNS)}, stale) "  # noqa: S608
        f"VALUES ({_in(rows[0])}) ON CONFLICT (conference_id, site_id) DO UPDATE SET "
        + ", ".join(f"{f} = excluded.{f}" for f in (*COLUMNS, "stale"))
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def rebuild(conference_id: int) -> int:
    """Recount every site of the conference (first read, the rule edited, the CLI)."""
    with transaction.atomic():
        figures = count(conference_id)
        CompletionSite.objects.filter(conference_id=conference_id).delete()
        if figures:
            _write(conference_id, figures, figures)
    return len(figures)


def ensure_built(conference_id: int) -> None:
    if not CompletionSite.objects.filter(conference_id=conference_id).exists():
        rebuild(conference_id)


def refresh(conference_id: int, site_ids: Sequence[int]) -> int:
    """Recount these sites now and clear their flag (in one transaction: see the module doc).

    On PostgreSQL rows another transaction holds (a recount by the other worker, a pass being
    marked) are skipped, not waited for: they stay stale and are recounted next time, and two
    recounts never wait on each other's locks in opposite orders. Returns how many were done.
    """
    done = 0
    for start in range(0, len(site_ids), BATCH_SITES):
        chunk = sorted(site_ids[start : start + BATCH_SITES])
        with transaction.atomic():
            mine = list(
                CompletionSite.objects.select_for_update(skip_locked=True)
                .filter(conference_id=conference_id, site_id__in=chunk)
                .order_by("site_id")
                .values_list("site_id", flat=True)
            )
            if not mine:
                continue
            CompletionSite.objects.filter(conference_id=conference_id, site_id__in=mine).update(
                stale=False
            )
            _write(conference_id, count(conference_id, mine), mine)
            done += len(mine)
    return done


def refresh_stale(conference_id: int, budget_s: float | None = None, site_ids: Any = None) -> int:
    """Recount stale sites (those in `site_ids`, a queryset or list, when given) until none are
    left or `budget_s` is spent; returns how many stay stale."""
    deadline = None if budget_s is None else time.monotonic() + budget_s
    rows = CompletionSite.objects.filter(conference_id=conference_id, stale=True)
    if site_ids is not None:
        rows = rows.filter(site_id__in=site_ids)
    while True:
        batch = list(rows.order_by("site_id").values_list("site_id", flat=True)[:BATCH_SITES])
        if not batch:
            return 0
        done = refresh(conference_id, batch)
        if not done or (deadline is not None and time.monotonic() >= deadline):
            return rows.count()  # the rest next time (or held by another recount)

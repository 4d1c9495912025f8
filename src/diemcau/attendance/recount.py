"""Recount every per-site counter from the source tables (`diemcau counters rebuild`).

The counters are written in the transactions that change their sources (delegates_changed,
the check-in batch, the headcount, the completion marks), so they should never drift. This is
the repair for when they did anyway — a restore, rows loaded around the services, an old bug —
and the proof that they did not: it prints every figure it had to change.

Three counters, each recounted under a lock that keeps its writers out only while it counts,
so a scan or an import committed during the rebuild is neither lost nor counted twice:
- registered delegates per site (SiteRegistered) from the delegate table;
- per (site, session) valid check-ins, guests and the current headcount (SessionTally) from the
  check-ins and headcounts;
- completion per (conference, site) (assessment's CompletionSite), by assessment's own
  recount (completion_counters), which already rebuilds from the sources;
- the nation's valid check-ins per (session, minute) (CheckInMinute, attendance/minutes.py):
  kept by triggers, so it drifts only when they were missing or bypassed; it has no site, so a
  rebuild of one site leaves it alone;
- the national report's connected sites and outage per (site, session) (operations/counters.py),
  by the operations app's own rebuild.
"""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.utils.translation import gettext as _

from diemcau.attendance import minutes, tallies, writelock
from diemcau.attendance.changes import Change
from diemcau.attendance.models import (
    CheckIn,
    CheckInMinute,
    Headcount,
    SessionTally,
    SiteRegistered,
)
from diemcau.delegates.models import Delegate
from diemcau.errors import NotFound
from diemcau.operations import counters as ops_counters
from diemcau.programme.models import Conference, Session
from diemcau.sites.models import Site

Progress = Callable[[int, int], None]
SITE_BATCH = 1_000  # registered: sites recounted per step (and per transaction)
_TALLY = SessionTally._meta.db_table
_CHECKINS = CheckIn._meta.db_table
_HEADCOUNTS = Headcount._meta.db_table
_DELEGATES = Delegate._meta.db_table
TALLY_FIGURES = ("checked_in", "other_site", "headcount")


@dataclass
class RebuildReport:
    sites: int = 0
    sessions: int = 0
    conferences: list[int] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)


def rebuild_counters(
    conference_id: int | None = None,
    site_code: str | None = None,
    progress: Progress | None = None,
) -> RebuildReport:
    """Recount the counters of every site (or one) and every conference (or one).

    Raises NotFound for an unknown conference or site code. Returns what changed.
    """
    sites = Site.objects.all()
    if site_code is not None:
        sites = sites.filter(code=site_code)
        if not sites.exists():
            raise NotFound(_("Site “%(code)s” not found.") % {"code": site_code})
    if conference_id is not None and not Conference.objects.filter(pk=conference_id).exists():
        raise NotFound(_("Conference %(id)s not found.") % {"id": conference_id})
    site_ids = list(sites.order_by("pk").values_list("pk", flat=True))
    codes = dict(sites.values_list("pk", "code"))
    sessions = Session.objects.all()
    if conference_id is not None:
        sessions = sessions.filter(day__conference_id=conference_id)
    session_ids = list(sessions.order_by("pk").values_list("pk", flat=True))
    conferences = _completion_conferences(conference_id)
    batches = [site_ids[i : i + SITE_BATCH] for i in range(0, len(site_ids), SITE_BATCH)]
    nation = site_code is None and bool(session_ids)  # the minute counter has no site
    total = len(batches) + 2 + len(conferences) + int(nation)
    done = 0
    report = RebuildReport(sites=len(site_ids), sessions=len(session_ids), conferences=conferences)

    def step() -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(done, total)

    if progress is not None:
        progress(0, total)
    for batch in batches:
        report.changes += _rebuild_registered(batch, codes)
        step()
    if session_ids and site_ids:
        only = site_ids if site_code is not None else None
        report.changes += _rebuild_tallies(session_ids, only, codes)
    step()
    for conference in conferences:
        report.changes += _rebuild_completion(conference, site_ids if site_code else None, codes)
        step()
    if nation:
        report.changes += _rebuild_minutes(session_ids)
        step()
    report.changes += ops_counters.rebuild(
        session_ids, site_ids if site_code is not None else None, codes
    )
    step()
    return report


# -- registered ------------------------------------------------------------------------------
def _rebuild_registered(site_ids: Sequence[int], codes: dict[int, str]) -> list[Change]:
    with writelock.sqlite_writer(), transaction.atomic():
        writelock.lock_table(
            _DELEGATES, "SHARE"
        )  # an import or a new delegate waits, or is counted
        before = dict(
            SiteRegistered.objects.filter(site_id__in=site_ids).values_list("site_id", "registered")
        )
        tallies.refresh_registered(site_ids)
        after = dict(
            SiteRegistered.objects.filter(site_id__in=site_ids).values_list("site_id", "registered")
        )
    return [
        Change("registered", codes.get(pk, str(pk)), "", "registered", before.get(pk), after[pk])
        for pk in site_ids
        if before.get(pk) != after.get(pk) and not (before.get(pk) is None and after[pk] == 0)
    ]


# -- check-ins and headcounts per (site, session) --------------------------------------------
def _rebuild_tallies(
    session_ids: Sequence[int], site_ids: Sequence[int] | None, codes: dict[int, str]
) -> list[Change]:
    """One scan of the check-ins for all the sessions, under the tally table's lock.

    PostgreSQL: SHARE ROW EXCLUSIVE conflicts with the check-in batch's INSERT … ON CONFLICT, so
    a batch that already moved a tally is counted (we wait for its commit), and one that has not
    yet adds its delta to our figures after we commit. SQLite: the attendance write lock.
    """
    marks = ", ".join(["%s"] * len(session_ids))
    narrow, params = "", list(session_ids)
    if site_ids is not None:
        narrow = f" AND site_id IN ({', '.join(['%s'] * len(site_ids))})"
        params += list(site_ids)
    with writelock.sqlite_writer(), transaction.atomic(), connection.cursor() as cursor:
        writelock.lock_table(_TALLY, "SHARE ROW EXCLUSIVE")
        cursor.execute(
            f"SELECT site_id, session_id, checked_in, other_site, headcount FROM {_TALLY} "  # noqa: S608
            f"WHERE session_id IN ({marks}){narrow}",
            params,
        )
        before = {(r[0], r[1]): (r[2], r[3], r[4]) for r in cursor.fetchall()}
        cursor.execute(
            f"SELECT site_id, session_id, COUNT(*), "  # noqa: S608
            "SUM(CASE WHEN other_site THEN 1 ELSE 0 END) "
            f"FROM {_CHECKINS} WHERE annulled_at IS NULL AND session_id IN ({marks}){narrow} "
            "GROUP BY site_id, session_id",
            params,
        )
        counted: dict[tuple[int, int], list[Any]] = {
            (r[0], r[1]): [int(r[2]), int(r[3] or 0), None] for r in cursor.fetchall()
        }
        cursor.execute(
            f"SELECT site_id, session_id, count FROM {_HEADCOUNTS} "  # noqa: S608
            f"WHERE current = %s AND session_id IN ({marks}){narrow}",
            [True, *params],
        )
        for site_id, session_id, count in cursor.fetchall():
            counted.setdefault((site_id, session_id), [0, 0, None])[2] = int(count)
        after = {key: tuple(value) for key, value in counted.items()}
        for key in before:  # a tally with nothing behind it any more: zero, not left as it was
            after.setdefault(key, (0, 0, None))
        rows = [
            (site, session, *figures)
            for (site, session), figures in sorted(after.items(), key=lambda kv: kv[0][::-1])
            if before.get((site, session)) != figures
        ]
        if rows:
            cursor.executemany(
                f"INSERT INTO {_TALLY} (site_id, session_id, checked_in, other_site, headcount) "  # noqa: S608
                "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (session_id, site_id) DO UPDATE SET "
                "checked_in = excluded.checked_in, other_site = excluded.other_site, "
                "headcount = excluded.headcount",
                rows,
            )
    changes = []
    for site, session, *figures in rows:
        old = before.get((site, session), (None, None, None))
        for name, was, now in zip(TALLY_FIGURES, old, figures, strict=True):
            if was != now and not (was is None and now in (0, None)):
                code = codes.get(site, str(site))
                changes.append(Change("session", code, f"phiên {session}", name, was, now))
    return changes


# -- the nation's check-ins per minute ----------------------------------------------------------
def _rebuild_minutes(session_ids: Sequence[int]) -> list[Change]:
    """Recount the sessions' minutes from the check-ins, with the check-in table held still.

    PostgreSQL: SHARE on the check-ins waits for the batches in flight (their trigger rows are
    then in the count) and holds new ones until we commit (their rows add to ours). SQLite:
    the attendance write lock."""
    with writelock.sqlite_writer(), transaction.atomic():
        writelock.lock_table(_CHECKINS, "SHARE")
        before = _minute_counts(session_ids)
        minutes.recount(session_ids)
        after = _minute_counts(session_ids)
    changes = []
    for session, minute in sorted(set(before) | set(after)):
        was, now = before.get((session, minute)), after.get((session, minute))
        if (was or 0) != (now or 0):
            at = minutes.minute_start(minute).strftime("%d/%m %H:%M UTC")
            changes.append(Change("minute", "cả nước", f"phiên {session}", at, was, now))
    return changes


def _minute_counts(session_ids: Sequence[int]) -> dict[tuple[int, int], int]:
    """(session, minute) → valid check-ins, the counter's rows added up (PostgreSQL keeps
    several rows per minute until they are folded)."""
    from django.db.models import Sum

    rows = (
        CheckInMinute.objects.filter(session_id__in=session_ids)
        .values_list("session_id", "minute")
        .annotate(total=Sum("n"))
        .order_by()
    )
    return {(session, int(minute)): int(total) for session, minute, total in rows if total}


# -- completion ------------------------------------------------------------------------------
def _completion_conferences(conference_id: int | None) -> list[int]:
    """The conferences whose completion counters exist (others are built whole on first read)."""
    from diemcau.assessment.models import CompletionSite

    if conference_id is not None:
        return [conference_id]
    return sorted(
        set(CompletionSite.objects.order_by().values_list("conference_id", flat=True).distinct())
    )


def _rebuild_completion(
    conference_id: int, site_ids: Sequence[int] | None, codes: dict[int, str]
) -> list[Change]:
    """assessment's own recount (one place for the rule), with the figures compared around it."""
    from diemcau.assessment.completion import services as completion_counters
    from diemcau.assessment.models import CompletionSite

    figures = completion_counters.FIGURES
    rows = CompletionSite.objects.filter(conference_id=conference_id)
    if site_ids is not None:
        rows = rows.filter(site_id__in=site_ids)

    def snapshot() -> dict[int, tuple[int, ...]]:
        return {r[0]: tuple(r[1:]) for r in rows.values_list("site_id", *figures)}

    before = snapshot()
    counted = CompletionSite.objects.filter(conference_id=conference_id).exists()
    if site_ids is None or not counted:
        completion_counters.rebuild(conference_id)
    else:
        with transaction.atomic():
            completion_counters.mark_sites(conference_id, site_ids)
        completion_counters.refresh(conference_id, list(site_ids))
    after = snapshot()
    return list(_completion_changes(conference_id, before, after, figures, codes))


def _completion_changes(
    conference_id: int,
    before: dict[int, tuple[int, ...]],
    after: dict[int, tuple[int, ...]],
    figures: Iterable[str],
    codes: dict[int, str],
) -> Iterable[Change]:
    names = list(figures)
    for site in sorted(set(before) | set(after)):
        old = before.get(site, (0,) * len(names))
        new = after.get(site, (0,) * len(names))
        for name, was, now in zip(names, old, new, strict=True):
            if was != now:
                code = codes.get(site, str(site))
                yield Change("completion", code, f"hội nghị {conference_id}", name, was, now)

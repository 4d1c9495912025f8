"""What the site console needs from the server: at page load the site, if the caller may run it,
and the day's programme; while it runs, the site's live state (who of its delegates is checked
in for a session, its own questions and their published answers).

The console works offline once loaded, so everything it shows about the programme is sent with
the page as JSON (sessions, topics, material links, each session's check-in window) and the
browser picks the current session itself; nothing here is asked again while the network is down.
The live state is asked for once a minute and kept by the browser for a reload offline.
"""

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from diemcau.accounts.scopes import Scope
from diemcau.attendance.checkins import OPEN_BEFORE
from diemcau.attendance.models import CheckIn
from diemcau.delegates.models import Delegate
from diemcau.programme import services as programme
from diemcau.programme.models import Day, Session, Topic
from diemcau.questions.models import QuestionStatus
from diemcau.questions.services import QuestionFilters, visible_questions
from diemcau.sites.models import Site
from diemcau.sites.services import get_site, get_site_for_write, visible_sites

VERSION = "console-1"  # sent in every heartbeat: tells operations which console a site runs
INDEX_LIMIT = 50
QUESTIONS_SHOWN = 20


def console_site(scope: Scope, code: str) -> Site:
    """The site whose console the caller may run: 404 outside the read scope, 403 read-only.

    Reading first keeps the rule of the whole project: a site outside your scope does not exist
    for you, even when you only ask to write to it.
    """
    get_site(scope, code)
    return get_site_for_write(scope, code)


def writable_sites(scope: Scope, limit: int = INDEX_LIMIT) -> tuple[list[Site], int]:
    """Sites the caller may run a console for (first `limit`), and how many there are."""
    write_q = scope.site_write_q()
    if write_q is None:
        return [], 0
    qs: QuerySet[Site] = (
        visible_sites(scope).filter(write_q).select_related("unit").order_by("code")
    )
    return list(qs[:limit]), qs.count()


def programme_date(today: dt.date) -> dt.date | None:
    """The day the console shows: today, else the next day of a conference, else the last one."""
    days = Day.objects.order_by("date")
    if days.filter(date=today).exists():
        return today
    following = days.filter(date__gt=today).values_list("date", flat=True).first()
    if following is not None:
        return following
    return days.filter(date__lt=today).order_by("-date").values_list("date", flat=True).first()


def day_sessions(scope: Scope, site_code: str, now: dt.datetime | None = None) -> list[Any]:
    """The sessions of the programme day, with topics and material links, as JSON-ready dicts."""
    now = now or timezone.now()
    date = programme_date(timezone.localdate(now))
    if date is None:
        return []
    sessions: list[Session] = []
    conference_ids = Day.objects.filter(date=date).values_list("conference_id", flat=True)
    for conference in programme.conferences(scope).filter(pk__in=conference_ids):
        for day in programme.agenda(scope, conference):
            if day.date == date:
                sessions.extend(day.sessions.all())
    sessions.sort(key=lambda s: (s.starts_at, s.pk))
    return [_session_out(session, site_code) for session in sessions]


def checkin_window(session: Session) -> tuple[dt.datetime, dt.datetime]:
    """When the server takes scans for a session (attendance.checkins): from OPEN_BEFORE before
    its start to its end, a session past midnight ending the next day. The console closes its
    scanner outside it instead of queueing scans that will all be refused."""
    starts, ends = programme.session_bounds(session)
    if ends <= starts:
        ends += dt.timedelta(days=1)
    return starts - OPEN_BEFORE, ends


def _session_out(session: Session, site_code: str) -> dict[str, Any]:
    starts, ends = programme.session_bounds(session)
    opens, closes = checkin_window(session)
    return {
        "id": session.pk,
        "title": session.title,
        "conference": session.day.conference.name,
        "starts_at": starts.isoformat(),
        "ends_at": ends.isoformat(),
        "checkin_opens": opens.isoformat(),
        "checkin_closes": closes.isoformat(),
        "status": session.status,
        "chair": session.chair,
        "topics": [_topic_out(topic, site_code) for topic in session.topics.all()],
    }


def _topic_out(topic: Topic, site_code: str) -> dict[str, Any]:
    return {
        "id": topic.pk,
        "number": topic.number,
        "title": topic.title,
        "speakers": ", ".join(s.name for s in topic.speakers.all()),
        "materials": [
            {
                "id": m.pk,
                "title": m.title,
                "kind": m.kind,
                "size": m.size,
                "version": m.version,
                "url": reverse("api:download_material", kwargs={"pk": m.pk})
                + "?"
                + urlencode({"site": site_code}),
            }
            for m in topic.materials.all()
        ],
    }


def live_state(scope: Scope, site: Site, session_id: int | None) -> dict[str, Any]:
    """What the console refreshes while it runs: the count and the site's own questions.

    `checked_in` lists the codes (not the names: the console has the roster) of the site's
    registered delegates with a valid check-in for the session, wherever they were scanned; the
    console adds its own scans not yet sent, so the count moves at once and survives a reload.
    """
    # The site's delegates first, then their check-ins by the one-valid-check-in index on
    # (delegate, session): a join left to the planner went through every check-in of the
    # session when PostgreSQL's statistics lagged behind a morning's inserts (seconds a call).
    delegates = dict(Delegate.objects.filter(site=site).values_list("pk", "code"))
    codes: list[str] = []
    if session_id is not None and delegates:
        checked = CheckIn.objects.filter(
            session_id=session_id, delegate_id__in=list(delegates), annulled_at__isnull=True
        )
        codes = [delegates[pk] for pk in checked.values_list("delegate_id", flat=True)]
    return {
        "session": session_id,
        "registered": len(delegates),
        "checked_in": codes,
        "questions": site_questions(scope, site.code),
    }


def site_questions(scope: Scope, site_code: str, limit: int = QUESTIONS_SHOWN) -> list[Any]:
    """The site's latest questions, each with its answer once the sector has published it.

    Only published answers: a draft may still change, and an operator reads out what they see.
    Plain values in one query (no model instances): every console asks once a minute.
    """
    rows = (
        visible_questions(scope, QuestionFilters(site=site_code))
        .order_by("-created_at", "-pk")
        .values_list(
            "pk",
            "client_id",
            "text",
            "asker_name",
            "created_at",
            "status",
            "reject_reason",
            "cluster__answer__text",
            "cluster__answer__published_at",
            "cluster__answer__sector__name",
        )[:limit]
    )
    return [_question_out(row) for row in rows]


def _question_out(row: tuple[Any, ...]) -> dict[str, Any]:
    pk, client_id, text, asker, at, status, reject_reason, answer, published_at, sector = row
    return {
        "id": pk,
        "client_id": client_id,
        "text": text,
        "asker": asker,
        "at": at.isoformat(),
        "status": status,
        "status_label": str(QuestionStatus(status).label),
        "reject_reason": reject_reason if status == QuestionStatus.REJECTED else "",
        "answer": {"text": answer, "sector": sector or "", "at": published_at.isoformat()}
        if answer is not None and published_at is not None
        else None,
    }

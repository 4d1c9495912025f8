"""Which conference (and session) a report is about, and what the reader may pick from.

A report used to take "the newest conference" silently: with a rehearsal conference dated after
the real one, the real report showed the rehearsal's sessions. Now the conference is chosen
explicitly (the session's own, or the one asked for) and only defaults to the one running today,
else the last one that has begun, else the next to come; the page names it and offers the others.
"""

from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from diemcau.errors import NotFound
from diemcau.programme.models import Conference, Session


@dataclass(frozen=True)
class Choice:
    conference: Conference | None
    session: Session | None


def default_conference() -> Conference | None:
    today = timezone.localdate()
    running = Conference.objects.filter(starts_on__lte=today, ends_on__gte=today)
    begun = Conference.objects.filter(starts_on__lte=today)
    return (
        running.order_by("-starts_on", "-pk").first()
        or begun.order_by("-starts_on", "-pk").first()
        or Conference.objects.order_by("starts_on", "pk").first()
    )


def pick(conference_id: int | None, session_id: int | None) -> Choice:
    """The session's conference when a session is named; 404 for an unknown id."""
    if session_id is not None:
        session = Session.objects.select_related("day__conference").filter(pk=session_id).first()
        if session is None:
            raise NotFound(_("Session %(id)s not found.") % {"id": session_id})
        return Choice(session.day.conference, session)
    if conference_id is not None:
        conference = Conference.objects.filter(pk=conference_id).first()
        if conference is None:
            raise NotFound(_("Conference %(id)s not found.") % {"id": conference_id})
        return Choice(conference, None)
    return Choice(default_conference(), None)


def conferences() -> list[Conference]:
    return list(Conference.objects.order_by("-starts_on", "-pk"))


def sessions(conference: Conference | None) -> list[Session]:
    if conference is None:
        return []
    return list(
        Session.objects.filter(day__conference=conference)
        .select_related("day")
        .order_by("day__date", "starts_at", "pk")
    )


def session_in(conference_id: int | None, session_id: int | None) -> int | None:
    """The session, if it belongs to the conference: a reader who switches the conference
    while a session of the previous one is still selected gets the new conference's report."""
    if conference_id is None or session_id is None:
        return session_id
    same = Session.objects.filter(pk=session_id, day__conference_id=conference_id).exists()
    return session_id if same else None

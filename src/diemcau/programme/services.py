"""Programme reads and changes, always through the caller's scope.

Every signed-in role reads the programme; only central organisers change it (a province
organiser or anyone else gets Forbidden, which the API and UI answer with 403). A change made
after the conference was published stamps `changed_at` on the session or topic it touches.
"""

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from diemcau.accounts.scopes import Scope
from diemcau.errors import Forbidden, Invalid, NotFound
from diemcau.programme.models import (
    Conference,
    Day,
    Format,
    Session,
    SessionKind,
    SessionStatus,
    Speaker,
    Topic,
)

CONFERENCE_FIELDS = (
    "slug",
    "name",
    "host",
    "starts_on",
    "ends_on",
    "format",
    "target_sites",
    "target_delegates",
    "description",
)
SESSION_FIELDS = ("day", "title", "starts_at", "ends_at", "chair", "status", "kind")
TOPIC_FIELDS = ("session", "number", "title", "summary", "sector", "planned_minutes", "order")
SPEAKER_FIELDS = ("name", "title", "organisation")


# -- who may --------------------------------------------------------------------------------
def require_reader(scope: Scope) -> None:
    if not scope.is_authenticated:
        raise Forbidden(_("Sign in to read the programme."))


def can_edit(scope: Scope) -> bool:
    return scope.everything


def require_editor(scope: Scope) -> None:
    if not can_edit(scope):
        raise Forbidden(_("Only central organisers may change the programme."))


# -- reads ----------------------------------------------------------------------------------
def conferences(scope: Scope) -> QuerySet[Conference]:
    require_reader(scope)
    return Conference.objects.all()


def get_conference(scope: Scope, pk: int) -> Conference:
    require_reader(scope)
    conference = Conference.objects.filter(pk=pk).first()
    if conference is None:
        raise NotFound(_("Conference %(id)s not found.") % {"id": pk})
    return conference


def agenda(scope: Scope, conference: Conference) -> list[Day]:
    """Days with their sessions, topics, speakers and materials, in display order (5 queries)."""
    require_reader(scope)
    topics = Topic.objects.prefetch_related("speakers", "materials").order_by("order", "number")
    sessions = Session.objects.order_by("starts_at", "pk").prefetch_related(
        Prefetch("topics", queryset=topics)
    )
    return list(
        conference.days.order_by("date").prefetch_related(Prefetch("sessions", queryset=sessions))
    )


def get_session(scope: Scope, pk: int) -> Session:
    require_reader(scope)
    session = Session.objects.select_related("day__conference").filter(pk=pk).first()
    if session is None:
        raise NotFound(_("Session %(id)s not found.") % {"id": pk})
    return session


def get_topic(scope: Scope, pk: int) -> Topic:
    require_reader(scope)
    topic = (
        Topic.objects.select_related("session__day__conference")
        .prefetch_related("speakers", "materials")
        .filter(pk=pk)
        .first()
    )
    if topic is None:
        raise NotFound(_("Topic %(id)s not found.") % {"id": pk})
    return topic


def get_speaker(scope: Scope, pk: int) -> Speaker:
    require_reader(scope)
    speaker = Speaker.objects.filter(pk=pk).first()
    if speaker is None:
        raise NotFound(_("Speaker %(id)s not found.") % {"id": pk})
    return speaker


def speakers(scope: Scope) -> QuerySet[Speaker]:
    require_reader(scope)
    return Speaker.objects.all()


def session_bounds(session: Session) -> tuple[dt.datetime, dt.datetime]:
    """Aware start and end of a session, in the conference's (the server's) time zone."""
    return session.bounds()


@dataclass(frozen=True)
class Now:
    """What is on at one moment: the session live then (if any), its topic by the planned
    minutes, and the next session to come (when nothing is live)."""

    session: Session | None
    topic: Topic | None
    next_session: Session | None


def sessions_around(now: dt.datetime) -> list[Session]:
    """Sessions on `now`'s local day and the ones after it, with their conference (1 query)."""
    zone = ZoneInfo(settings.TIME_ZONE)
    today = now.astimezone(zone).date()
    return list(
        Session.objects.select_related("day__conference")
        .filter(Q(day__date__gte=today) | Q(status=SessionStatus.LIVE))
        .order_by("day__date", "starts_at", "pk")[:200]
    )


def now_on(scope: Scope, now: dt.datetime) -> Now:
    """The live session at `now` (a conference session before a rehearsal when both run), its
    current topic, or else the next session; the status follows the clock (`status_at`)."""
    require_reader(scope)
    sessions = sessions_around(now)
    live = [s for s in sessions if s.status_at(now) == SessionStatus.LIVE]
    live.sort(key=lambda s: (s.kind == SessionKind.REHEARSAL, s.day.date, s.starts_at, s.pk))
    if live:
        session = live[0]
        return Now(session, topic_at(session, now), None)
    upcoming = [s for s in sessions if s.status_at(now) == SessionStatus.PLANNED]
    return Now(None, None, upcoming[0] if upcoming else None)


def topic_at(session: Session, now: dt.datetime) -> Topic | None:
    """The topic whose planned slot covers `now` (slots follow one another from the start);
    past the last slot, the last topic."""
    topics = list(session.topics.order_by("order", "number", "pk"))
    start, _end = session.bounds()
    elapsed = (now - start).total_seconds() / 60
    for topic in topics:
        elapsed -= topic.planned_minutes
        if elapsed < 0:
            return topic
    return topics[-1] if topics else None


# -- conference -----------------------------------------------------------------------------
def _require(values: Mapping[str, Any], names: Iterable[str]) -> None:
    missing = {n: _("This field is required.") for n in names if values.get(n) in (None, "")}
    if missing:
        raise Invalid(_("Some fields are invalid."), missing)


def _pick(data: Mapping[str, Any], names: Iterable[str]) -> dict[str, Any]:
    values = {n: data[n] for n in names if n in data}
    for name, value in values.items():
        if isinstance(value, str):
            values[name] = value.strip()
    return values


def _check_conference(values: Mapping[str, Any]) -> None:
    errors: dict[str, str] = {}
    if values["ends_on"] < values["starts_on"]:
        errors["ends_on"] = _("The last day cannot be before the first day.")
    if values.get("format", Format.HYBRID) not in Format.values:
        errors["format"] = _("Unknown format.")
    if errors:
        raise Invalid(_("Some fields are invalid."), errors)


@transaction.atomic
def create_conference(scope: Scope, data: Mapping[str, Any]) -> Conference:
    require_editor(scope)
    values = _pick(data, CONFERENCE_FIELDS)
    _require(values, ("slug", "name", "host", "starts_on", "ends_on"))
    _check_conference(values)
    if Conference.objects.filter(slug=values["slug"]).exists():
        raise Invalid(
            _("Some fields are invalid."), {"slug": _("This short name is already used.")}
        )
    return Conference.objects.create(**values)


@transaction.atomic
def update_conference(scope: Scope, pk: int, data: Mapping[str, Any]) -> Conference:
    require_editor(scope)
    conference = get_conference(scope, pk)
    values = _pick(data, CONFERENCE_FIELDS)
    merged = {n: getattr(conference, n) for n in CONFERENCE_FIELDS} | values
    _require(merged, ("slug", "name", "host", "starts_on", "ends_on"))
    _check_conference(merged)
    if Conference.objects.filter(slug=merged["slug"]).exclude(pk=pk).exists():
        raise Invalid(
            _("Some fields are invalid."), {"slug": _("This short name is already used.")}
        )
    for name, value in values.items():
        setattr(conference, name, value)
    conference.save()
    return conference


@transaction.atomic
def publish_conference(scope: Scope, pk: int) -> Conference:
    """Publish the programme; later changes are flagged as changed. Publishing again keeps
    the first publication time so earlier flags stay meaningful."""
    require_editor(scope)
    conference = get_conference(scope, pk)
    if conference.published_at is None:
        conference.published_at = timezone.now()
        conference.save(update_fields=["published_at"])
    return conference


# -- days and sessions ----------------------------------------------------------------------
@transaction.atomic
def add_day(scope: Scope, conference_pk: int, data: Mapping[str, Any]) -> Day:
    require_editor(scope)
    conference = get_conference(scope, conference_pk)
    values = _pick(data, ("date", "title"))
    _require(values, ("date",))
    if not conference.starts_on <= values["date"] <= conference.ends_on:
        raise Invalid(
            _("Some fields are invalid."),
            {"date": _("The day must lie within the conference dates.")},
        )
    if conference.days.filter(date=values["date"]).exists():
        raise Invalid(_("Some fields are invalid."), {"date": _("This day already exists.")})
    return Day.objects.create(conference=conference, **values)


def _mark_changed(conference: Conference, obj: Session | Topic) -> None:
    if conference.published_at is not None:
        obj.changed_at = timezone.now()


def _day_of(conference: Conference, value: Any) -> Day:
    day = value if isinstance(value, Day) else conference.days.filter(pk=value).first()
    if day is None or day.conference_id != conference.pk:
        raise Invalid(_("Some fields are invalid."), {"day": _("Choose a day of this conference.")})
    return day


def _check_session(values: Mapping[str, Any]) -> None:
    errors: dict[str, str] = {}
    if values["ends_at"] <= values["starts_at"]:
        errors["ends_at"] = _("The session must end after it starts.")
    if values.get("status", SessionStatus.PLANNED) not in SessionStatus.values:
        errors["status"] = _("Unknown status.")
    if values.get("kind", SessionKind.SESSION) not in SessionKind.values:
        errors["kind"] = _("Unknown kind of session.")
    if errors:
        raise Invalid(_("Some fields are invalid."), errors)


@transaction.atomic
def add_session(scope: Scope, conference_pk: int, data: Mapping[str, Any]) -> Session:
    require_editor(scope)
    conference = get_conference(scope, conference_pk)
    values = _pick(data, SESSION_FIELDS)
    _require(values, ("day", "title", "starts_at", "ends_at"))
    values["day"] = _day_of(conference, values["day"])
    _check_session(values)
    session = Session(**values)
    _mark_changed(conference, session)
    session.save()
    return session


@transaction.atomic
def update_session(scope: Scope, pk: int, data: Mapping[str, Any]) -> Session:
    require_editor(scope)
    session = get_session(scope, pk)
    conference = session.day.conference
    values = _pick(data, SESSION_FIELDS)
    if "day" in values:
        values["day"] = _day_of(conference, values["day"])
    merged = {n: getattr(session, n) for n in SESSION_FIELDS} | values
    _require(merged, ("title", "starts_at", "ends_at"))
    _check_session(merged)
    for name, value in values.items():
        setattr(session, name, value)
    _mark_changed(conference, session)
    session.save()
    return session


# -- speakers -------------------------------------------------------------------------------
@transaction.atomic
def add_speaker(scope: Scope, data: Mapping[str, Any]) -> Speaker:
    require_editor(scope)
    values = _pick(data, SPEAKER_FIELDS)
    _require(values, ("name",))
    return Speaker.objects.create(**values)


# -- topics ---------------------------------------------------------------------------------
def _session_of(conference: Conference | None, value: Any) -> Session:
    session = (
        value
        if isinstance(value, Session)
        else Session.objects.select_related("day__conference").filter(pk=value).first()
    )
    if session is None or (conference is not None and session.day.conference_id != conference.pk):
        raise Invalid(
            _("Some fields are invalid."), {"session": _("Choose a session of this conference.")}
        )
    return session


def _speakers_of(ids: Iterable[Any]) -> list[Speaker]:
    wanted = {int(i) for i in ids}
    found = list(Speaker.objects.filter(pk__in=wanted))
    if len(found) != len(wanted):
        raise Invalid(_("Some fields are invalid."), {"speakers": _("Unknown speaker.")})
    return found


def _topics_of(conference: Conference) -> QuerySet[Topic]:
    return Topic.objects.filter(session__day__conference=conference)


@transaction.atomic
def add_topic(scope: Scope, conference_pk: int, data: Mapping[str, Any]) -> Topic:
    """Add a topic at the end of its session; its number defaults to the next free one."""
    require_editor(scope)
    conference = get_conference(scope, conference_pk)
    values = _pick(data, TOPIC_FIELDS)
    _require(values, ("session", "title"))
    values["session"] = _session_of(conference, values["session"])
    if not values.get("number"):
        top = _topics_of(conference).aggregate(n=Max("number"))["n"] or 0
        values["number"] = top + 1
    elif _topics_of(conference).filter(number=values["number"]).exists():
        raise Invalid(
            _("Some fields are invalid."), {"number": _("Another topic has this number.")}
        )
    if not values.get("order"):
        last = values["session"].topics.aggregate(n=Max("order"))["n"] or 0
        values["order"] = last + 1
    if values.get("planned_minutes") in (None, ""):
        values.pop("planned_minutes", None)
    topic = Topic(**values)
    _mark_changed(conference, topic)
    topic.save()
    topic.speakers.set(_speakers_of(data.get("speakers") or ()))
    return topic


@transaction.atomic
def update_topic(scope: Scope, pk: int, data: Mapping[str, Any]) -> Topic:
    """Change a topic; giving another session moves it there (to the end unless `order`).

    Empty `number`, `order` or `planned_minutes` keep the current value; text fields may be
    cleared, except the title.
    """
    require_editor(scope)
    topic = get_topic(scope, pk)
    conference = topic.session.day.conference
    values = {k: v for k, v in _pick(data, TOPIC_FIELDS).items() if v is not None}
    for name in ("number", "order", "planned_minutes"):
        if values.get(name) == "":
            del values[name]
    if "title" in values and not values["title"]:
        raise Invalid(_("Some fields are invalid."), {"title": _("This field is required.")})
    if "session" in values:
        values["session"] = _session_of(conference, values["session"])
        if values["session"].pk != topic.session_id and "order" not in values:
            last = values["session"].topics.aggregate(n=Max("order"))["n"] or 0
            values["order"] = last + 1
    if "number" in values and (
        _topics_of(conference).filter(number=values["number"]).exclude(pk=pk).exists()
    ):
        raise Invalid(
            _("Some fields are invalid."), {"number": _("Another topic has this number.")}
        )
    for name, value in values.items():
        setattr(topic, name, value)
    _mark_changed(conference, topic)
    topic.save()
    if data.get("speakers") is not None:
        topic.speakers.set(_speakers_of(data["speakers"]))
    return topic


@transaction.atomic
def move_topic(scope: Scope, pk: int, step: int) -> Topic:
    """Move a topic one place up (step < 0) or down (step > 0) within its session.

    The session's topics are renumbered 1..n; only the two that swapped count as changed.
    """
    require_editor(scope)
    topic = get_topic(scope, pk)
    conference = topic.session.day.conference
    siblings = list(topic.session.topics.select_for_update().order_by("order", "number", "pk"))
    index = next(i for i, t in enumerate(siblings) if t.pk == topic.pk)
    target = index + (1 if step > 0 else -1)
    if not 0 <= target < len(siblings):
        return topic
    swapped = {siblings[index].pk, siblings[target].pk}
    siblings[index], siblings[target] = siblings[target], siblings[index]
    for position, sibling in enumerate(siblings, start=1):
        if sibling.pk in swapped:
            _mark_changed(conference, sibling)
        elif sibling.order == position:
            continue
        sibling.order = position
        sibling.save(update_fields=["order", "changed_at"])
    return get_topic(scope, pk)

"""The home page's "now" panel: what is on, and how the day is going, for one person's scope.

Every figure comes from the service that owns it, so the home page can never disagree with the
page it links to: sites connected *now* from the live heartbeat state (operations.rollup, the
operations dashboard's own counts — not the sites' registration status), checked in ÷ registered
from the attendance counters for the live session, open incidents, questions waiting, the worst
sites. The clock is the live-operations clock (operations.clock), which tests move.

Who lands where: a site operator (and nobody more) on their console, a sector answerer on their
questions; organisers and viewers on this panel, with the one action their role needs next.
"""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from diemcau.accounts.models import Role
from diemcau.accounts.scopes import Scope
from diemcau.errors import NotFound
from diemcau.operations import clock, incidents, rollup
from diemcau.programme import services as programme
from diemcau.programme.models import Session, Topic
from diemcau.questions.models import QuestionStatus
from diemcau.questions.services import visible_questions

WAITING = (QuestionStatus.NEW, QuestionStatus.ROUTED)
WORST = 5


@dataclass(frozen=True)
class Action:
    label: str
    url: str


@dataclass
class Panel:
    at: dt.datetime
    session: Session | None
    topic: Topic | None
    next_session: Session | None
    figures: dict[str, int | None] = field(default_factory=dict)
    worst: list[dict[str, Any]] = field(default_factory=list)
    action: Action | None = None

    def percent(self, part: str, whole: str) -> int | None:
        top, bottom = self.figures.get(part), self.figures.get(whole)
        if top is None or not bottom:
            return None
        return round(100 * top / bottom)

    def as_json(self) -> dict[str, Any]:
        """The figures the page refreshes in place (now.js), already formatted."""
        out: dict[str, Any] = {k: _number(v) for k, v in self.figures.items()}
        out["connected_pct"] = _pct(self.percent("connected", "sites"))
        out["checked_in_pct"] = _pct(self.percent("checked_in", "registered"))
        out["session"] = _session_text(self.session, self.next_session)
        out["topic"] = f"{self.topic.number}. {self.topic.title}" if self.topic else "—"
        out["updated"] = timezone.localtime(self.at).strftime("%H:%M:%S")
        if self.action is not None:
            out["action_label"], out["action_url"] = self.action.label, self.action.url
        return out


def _number(value: int | None) -> str:
    """11.000 as Vietnamese readers write it."""
    return "—" if value is None else f"{value:,}".replace(",", ".")


def _pct(value: int | None) -> str:
    return "—" if value is None else f"{value} %"


def _session_text(session: Session | None, upcoming: Session | None) -> str:
    if session is not None:
        return f"{session.title} · {session.day.conference.name}"
    if upcoming is not None:
        return _("Next: %(title)s, %(date)s %(time)s · %(conference)s") % {
            "title": upcoming.title,
            "date": f"{upcoming.day.date:%d/%m/%Y}",
            "time": f"{upcoming.starts_at:%H:%M}",
            "conference": upcoming.day.conference.name,
        }
    return _("No session on or to come.")


def landing(scope: Scope) -> str | None:
    """Where a role with one job starts its day instead of this panel, or None."""
    if scope.everything or scope.organiser_units or scope.viewer_units or scope.reads_everything:
        return None
    if scope.operator_site_ids:
        return reverse("console:index")
    if scope.sectors:
        return reverse("questions:queue")
    return None


def panel(scope: Scope, now: float | None = None) -> Panel:
    """The panel at `now` (the live clock by default)."""
    moment = clock.now() if now is None else now
    at = dt.datetime.fromtimestamp(moment, tz=dt.UTC)
    on = programme.now_on(scope, at)
    result = Panel(at=at, session=on.session, topic=on.topic, next_session=on.next_session)
    figures = result.figures
    try:
        live = rollup.status(scope, None, moment, worst=WORST)
    except NotFound:
        live = None
    if live is not None:
        counts = live["counts"]
        figures["sites"] = counts["total"]
        figures["connected"] = counts["online"] + counts["degraded"]
        figures["online"] = counts["online"]
        figures["degraded"] = counts["degraded"]
        figures["offline"] = counts["offline"]
        figures["never"] = counts["never"]
        result.worst = live["worst"]
    figures.update(_attendance(scope, on.session))
    figures["incidents"] = incidents.open_count(scope)
    figures["questions"] = visible_questions(scope).filter(status__in=WAITING).count()
    result.action = next_action(scope, result)
    return result


def _attendance(scope: Scope, session: Session | None) -> dict[str, int | None]:
    from diemcau.attendance.summary import summary

    if session is None:
        return {"registered": None, "checked_in": None}
    try:
        found = summary(scope, None, session.pk)
    except NotFound:
        return {"registered": None, "checked_in": None}
    return {"registered": found["registered"], "checked_in": found["present"]}


def _url(name: str, query: str = "") -> str:
    try:
        return reverse(name) + query
    except NoReverseMatch:  # an app left out of this installation
        return reverse("operations:dashboard")


def next_action(scope: Scope, panel: Panel) -> Action:  # noqa: PLR0911 - one return per case
    """The one thing this role should do now, from the figures (worst trouble first)."""
    f = panel.figures
    if Role.SECTOR_ANSWERER in scope.roles and not scope.is_organiser:
        return Action(
            _("Answer the %(n)s questions routed to your sector") % {"n": _number(f["questions"])},
            reverse("questions:queue"),
        )
    if not scope.is_organiser:  # viewers
        return Action(_("Follow live operations"), reverse("operations:dashboard"))
    if panel.session is not None and (f.get("offline") or 0) > 0:
        return Action(
            _("Call the %(n)s sites that lost the signal") % {"n": _number(f["offline"])},
            _url("operations:sites", "?state=offline"),
        )
    if f.get("incidents"):
        return Action(
            _("Handle %(n)s open incidents") % {"n": _number(f["incidents"])},
            reverse("operations:incidents"),
        )
    if f.get("questions"):
        return Action(
            _("Sort %(n)s questions waiting for a sector") % {"n": _number(f["questions"])},
            reverse("questions:moderate"),
        )
    if panel.session is None and (f.get("never") or 0) > 0:
        return Action(
            _("Before the day: call the %(n)s sites never connected") % {"n": _number(f["never"])},
            _url("operations:sites", "?state=never"),
        )
    return Action(_("Follow live operations"), reverse("operations:dashboard"))

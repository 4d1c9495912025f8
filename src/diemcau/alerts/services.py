"""Escalation rules and their evaluator: a silent site during a live session reaches a person.

Rules. The centre's rules (unit TW) are national. A province organiser may give their province
its own rule for a recipient; it replaces the national rule of that recipient for the province's
sites, switched off included (so a province can turn an escalation off for itself, or make it
faster). Nobody else writes rules; organisers and viewers read the national rules and those of
their own provinces.

Outage. An automatic incident is opened by the heartbeat flush when a site goes offline during a
live session, and resolved by it when the site sends again: one incident is one outage. Silence
is counted from the site's last heartbeat (`SiteLive.last_seen`). A rule "after N minutes" fires
when the silence reaches N minutes while a session is live, once per incident and recipient (the
escalation's key is unique and is the delivery's idempotency key). A site that came back before N
minutes has no open incident any more: nothing fires.

Cooldown. A flapping site opens a new incident each time it goes; the rule's cooldown holds each
new message to the same site and recipient until that long after the previous one. The message
is held, not dropped: if the site is still silent when the cooldown ends, it goes then.

Cost. One tick reads the rules (a handful of rows), whether a session is live (one query), the
candidate incidents (one query over the open automatic incidents, past the smallest threshold,
not yet told every recipient), and what was already sent to those sites (one query per 500
candidates). Nothing is read per site; 35,000 quiet sites cost what 100 do.
"""

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.utils import translation
from django.utils.translation import gettext as _

from diemcau.accounts.scopes import Scope
from diemcau.alerts import outbox, startup
from diemcau.alerts.models import Channel, Escalation, EscalationRule, Recipient, TickLock
from diemcau.errors import Forbidden, Invalid, NotFound
from diemcau.operations import incidents as op_incidents
from diemcau.operations.livestate import get_store
from diemcau.operations.models import (
    Incident,
    IncidentNote,
    IncidentOrigin,
    IncidentStatus,
    LiveState,
)
from diemcau.sites.models import Site
from diemcau.units.models import Kind, Level, Unit
from diemcau.units.organisations import CENTRAL_CODE
from diemcau.units.services import get_unit

log = logging.getLogger(__name__)

_CHUNK = 500
MAX_TEXT = 480  # three SMS parts without diacritics
MIN_AFTER_MIN, MAX_AFTER_MIN = 1, 24 * 60
MAX_COOLDOWN_MIN = 24 * 60
ESCALATION_RECIPIENTS = (Recipient.TECHNICIAN, Recipient.PROVINCE_ORGANISER)


def now_dt() -> dt.datetime:
    return op_incidents.current_time()


def default_text(recipient: str) -> str:
    if recipient == Recipient.PROVINCE_ORGANISER:
        return _(
            "[diemcau] Site {code} {site} ({unit}) has been offline for {minutes} minutes "
            "during the session. Technician: {tech} {tech_phone}."
        )
    return _(
        "[diemcau] Site {code} {site} has been offline for {minutes} minutes during the "
        "session. Please check the connection and the console."
    )


class _Fields(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def render(text: str, values: dict[str, str]) -> str:
    """Fill {field}s; an unknown or malformed field stays as written (never an error mid-day)."""
    try:
        return text.format_map(_Fields(values))
    except (ValueError, IndexError, AttributeError):
        return text


# -- rules: who may read and write ----------------------------------------------------------
def _province_units(scope: Scope) -> list[Unit]:
    return [
        u
        for u in scope.organiser_units
        if u.level == Level.PROVINCE and u.kind == Kind.ADMINISTRATIVE
    ]


def may_read_rules(scope: Scope) -> bool:
    return (
        scope.everything or scope.reads_everything or scope.is_organiser or bool(scope.viewer_units)
    )


def may_write_rule(scope: Scope, unit: Unit) -> bool:
    if scope.everything:
        return True
    return any(u.pk == unit.pk for u in _province_units(scope))


def may_write_rules(scope: Scope) -> bool:
    return scope.everything or bool(_province_units(scope))


def visible_rules(scope: Scope) -> QuerySet[EscalationRule]:
    qs = EscalationRule.objects.select_related("unit")
    if scope.everything or scope.reads_everything:
        return qs
    if not may_read_rules(scope):
        return qs.none()
    provinces = {
        u.pk if u.level == Level.PROVINCE else u.province_id for u in scope.organiser_units
    }
    provinces |= {u.pk if u.level == Level.PROVINCE else u.province_id for u in scope.viewer_units}
    provinces.discard(None)
    return qs.filter(Q(unit__code=CENTRAL_CODE) | Q(unit_id__in=provinces))


def get_rule(scope: Scope, pk: int) -> EscalationRule:
    rule = visible_rules(scope).filter(pk=pk).first()
    if rule is None:
        raise NotFound(_("Escalation rule %(id)s not found.") % {"id": pk})
    return rule


@dataclass(frozen=True)
class RuleIn:
    unit: str
    recipient: str
    after_min: int
    cooldown_min: int = 15
    enabled: bool = True
    channel: str = Channel.SMS
    text: str = ""


def _check_rule(scope: Scope, data: RuleIn) -> tuple[Unit, dict[str, Any]]:
    if not may_write_rules(scope):
        raise Forbidden(_("Only organisers set escalation rules."))
    errors: dict[str, str] = {}
    unit = get_unit((data.unit or "").strip())
    if unit is not None and not may_write_rule(scope, unit):
        raise Forbidden(_("You may not set escalation rules for “%(unit)s”.") % {"unit": unit})
    if unit is None:
        errors["unit"] = _("Unit “%(code)s” not found.") % {"code": data.unit}
    elif not (
        (unit.code == CENTRAL_CODE)
        or (unit.level == Level.PROVINCE and unit.kind == Kind.ADMINISTRATIVE)
    ):
        errors["unit"] = _("A rule is national (TW) or for one province.")
    if data.recipient not in ESCALATION_RECIPIENTS:
        errors["recipient"] = _("Choose the site technician or the province organiser.")
    if data.channel not in Channel.values:
        errors["channel"] = _("Choose SMS or e-mail.")
    if not MIN_AFTER_MIN <= data.after_min <= MAX_AFTER_MIN:
        errors["after_min"] = _("Between %(a)d and %(b)d minutes.") % {
            "a": MIN_AFTER_MIN,
            "b": MAX_AFTER_MIN,
        }
    if not 0 <= data.cooldown_min <= MAX_COOLDOWN_MIN:
        errors["cooldown_min"] = _("Between %(a)d and %(b)d minutes.") % {
            "a": 0,
            "b": MAX_COOLDOWN_MIN,
        }
    text = (data.text or "").strip()
    if len(text) > MAX_TEXT:
        errors["text"] = _("At most %(n)d characters.") % {"n": MAX_TEXT}
    if errors:
        raise Invalid(next(iter(errors.values())), errors)
    assert unit is not None
    values = {
        "channel": data.channel,
        "after_s": data.after_min * 60,
        "cooldown_s": data.cooldown_min * 60,
        "enabled": data.enabled,
        "text": text,
    }
    return unit, values


def save_rule(scope: Scope, user: Any, data: RuleIn) -> EscalationRule:
    """Create or replace the rule of (unit, recipient); the caller must organise the unit."""
    unit, values = _check_rule(scope, data)
    by = user if getattr(user, "pk", None) else None
    with transaction.atomic():
        rule = (
            EscalationRule.objects.select_for_update()
            .filter(unit=unit, recipient=data.recipient)
            .first()
        )
        if rule is None:
            rule = EscalationRule(unit=unit, recipient=data.recipient)
        for name, value in values.items():
            setattr(rule, name, value)
        rule.updated_by = by
        rule.save()  # a model save: the audit trail records it, before and after
    return rule


def switch_rule(scope: Scope, user: Any, pk: int, enabled: bool) -> EscalationRule:
    rule = get_rule(scope, pk)
    if not may_write_rule(scope, rule.unit):
        raise Forbidden(_("You may not set escalation rules for “%(unit)s”.") % {"unit": rule.unit})
    rule.enabled = enabled
    rule.updated_by = user if getattr(user, "pk", None) else None
    rule.save()
    return rule


def delete_rule(scope: Scope, user: Any, pk: int) -> None:
    rule = get_rule(scope, pk)
    if not may_write_rule(scope, rule.unit):
        raise Forbidden(_("You may not set escalation rules for “%(unit)s”.") % {"unit": rule.unit})
    rule.delete()


# -- what was sent ----------------------------------------------------------------------------
def visible_escalations(scope: Scope) -> QuerySet[Escalation]:
    """Escalations about the sites the caller may read (a province organiser: their own)."""
    read_q = scope.site_read_q()
    qs = Escalation.objects.select_related("site", "province", "incident")
    if read_q is None:
        return qs.none()
    if scope.everything or scope.reads_everything:
        return qs
    return qs.filter(site__in=Site.objects.filter(read_q).values("pk"))


# -- the evaluator ----------------------------------------------------------------------------
@dataclass
class CheckResult:
    live: bool = False
    candidates: int = 0
    sent: int = 0
    held: int = 0  # waiting for a cooldown to end
    queries: int = 0
    keys: list[str] = field(default_factory=list)
    opened: int = 0  # incidents opened for sites silent when the session started

    def as_dict(self) -> dict[str, Any]:
        return {
            "live": self.live,
            "candidates": self.candidates,
            "sent": self.sent,
            "held": self.held,
            "opened_at_start": self.opened,
        }


@dataclass(frozen=True)
class _Rule:
    pk: int
    recipient: str
    channel: str
    after_s: int
    cooldown_s: int
    enabled: bool
    text: str


def effective_rules() -> tuple[dict[str, _Rule], dict[tuple[int, str], _Rule]]:
    """National rules by recipient, and provinces' own by (province id, recipient)."""
    national: dict[str, _Rule] = {}
    own: dict[tuple[int, str], _Rule] = {}
    rows = EscalationRule.objects.values_list(
        "pk",
        "unit_id",
        "unit__code",
        "recipient",
        "channel",
        "after_s",
        "cooldown_s",
        "enabled",
        "text",
    )
    for pk, unit_id, code, recipient, channel, after_s, cooldown_s, enabled, text in rows:
        rule = _Rule(pk, recipient, channel, after_s, cooldown_s, enabled, text)
        if code == CENTRAL_CODE:
            national[recipient] = rule
        else:
            own[unit_id, recipient] = rule
    return national, own


def _rule_for(
    national: dict[str, _Rule],
    own: dict[tuple[int, str], _Rule],
    province_id: int | None,
    recipient: str,
) -> _Rule | None:
    rule = own.get((province_id, recipient)) if province_id is not None else None
    if rule is None:
        rule = national.get(recipient)
    return rule if rule is not None and rule.enabled else None


@dataclass(frozen=True)
class _Due:
    incident_id: int
    site_id: int
    province_id: int | None
    silent_s: int
    rule: _Rule


def _lock(name: str, now: dt.datetime) -> None:
    """Serialise ticks across workers: the first UPDATE of the transaction takes the lock."""
    if not TickLock.objects.filter(name=name).update(at=now):
        TickLock.objects.get_or_create(name=name, defaults={"at": now})
        TickLock.objects.filter(name=name).update(at=now)


def check_escalations(now: dt.datetime | None = None) -> CheckResult:
    """One tick: send what the rules say is due, once per outage and recipient."""
    now = now or now_dt()
    result = CheckResult()
    national, own = effective_rules()
    enabled = [r for r in [*national.values(), *own.values()] if r.enabled]
    if not enabled:
        return result
    session = op_incidents.live_session_at([now]).get(now)
    if session is None:
        return result  # nobody is paged about a silence outside a session
    result.live = True
    smallest = min(r.after_s for r in enabled)
    with transaction.atomic():
        _lock("escalations", now)
        result.opened = startup.open_for(session, now)  # silent at its start: once a session
        startup.resolve_heard(now)
        due = _due(now, smallest, national, own, result)
        for item in due:
            if _send_one(item, now):
                result.sent += 1
                result.keys.append(_key(item.incident_id, item.rule.recipient))
    return result


def _key(incident_id: int, recipient: str) -> str:
    return f"alerts:outage:{incident_id}:{recipient}"


def _due(
    now: dt.datetime,
    smallest: int,
    national: dict[str, _Rule],
    own: dict[tuple[int, str], _Rule],
    result: CheckResult,
) -> list[_Due]:
    levels = len(ESCALATION_RECIPIENTS)
    candidates: list[startup.Candidate] = list(
        Incident.objects.filter(
            status=IncidentStatus.OPEN,
            origin=IncidentOrigin.AUTO,
            back_online_at=None,
            site__live__state=LiveState.OFFLINE,
            site__live__last_seen__lte=now - dt.timedelta(seconds=smallest),
            start_outage__isnull=True,  # silent since the session's start: counted below
        )
        .annotate(told=Count("escalations"))
        .filter(told__lt=levels)
        .values_list("pk", "site_id", "province_id", "site__live__last_seen")
    )
    candidates += startup.candidates(now, smallest, levels)
    result.candidates = len(candidates)
    if not candidates:
        return []
    told: set[tuple[int, str]] = set()
    last_sent: dict[tuple[int, str], dt.datetime] = {}
    longest = max([r.cooldown_s for r in national.values()] + [r.cooldown_s for r in own.values()])
    for start in range(0, len(candidates), _CHUNK):
        chunk = candidates[start : start + _CHUNK]
        rows = Escalation.objects.filter(
            Q(incident_id__in=[c[0] for c in chunk])
            | Q(site_id__in=[c[1] for c in chunk], at__gte=now - dt.timedelta(seconds=longest))
        ).values_list("incident_id", "site_id", "recipient", "at")
        for incident_id, site_id, recipient, at in rows:
            told.add((incident_id, recipient))
            key = (site_id, recipient)
            if key not in last_sent or last_sent[key] < at:
                last_sent[key] = at
    due: list[_Due] = []
    for incident_id, site_id, province_id, last_seen in candidates:
        silent_s = int((now - last_seen).total_seconds())
        for recipient in ESCALATION_RECIPIENTS:
            rule = _rule_for(national, own, province_id, recipient)
            if rule is None or silent_s < rule.after_s or (incident_id, recipient) in told:
                continue
            previous = last_sent.get((site_id, recipient))
            if previous is not None and now - previous < dt.timedelta(seconds=rule.cooldown_s):
                result.held += 1
                continue
            due.append(_Due(incident_id, site_id, province_id, silent_s, rule))
    return _not_heard_again(due, {c[1]: c[3] for c in candidates})


def _not_heard_again(due: list[_Due], last_seen: dict[int, dt.datetime]) -> list[_Due]:
    """Leave out the sites whose newer heartbeat waits in the shared live store for the flush
    (Redis: the database lags it by the flush; the embedded store is the app server's own and
    tells this worker nothing). One look per site about to be told, none per site scanned."""
    if not due:
        return due
    store = get_store()
    back: set[int] = set()
    for site_id in {d.site_id for d in due}:
        beat = store.latest(site_id)
        if beat is not None and beat.received_at > last_seen[site_id].timestamp() + 0.001:
            back.add(site_id)
    return [d for d in due if d.site_id not in back]


def _values(site: Site, silent_s: int) -> dict[str, str]:
    return {
        "code": site.code,
        "site": site.name,
        "unit": site.unit.name if site.unit_id else "",
        "province": site.province.name if site.province_id and site.province else "",
        "minutes": str(max(1, silent_s // 60)),
        "tech": site.tech_name,
        "tech_phone": site.tech_phone,
        "contact": site.contact_name,
        "contact_phone": site.contact_phone,
    }


def _send_one(item: _Due, now: dt.datetime) -> bool:
    site = Site.objects.select_related("unit", "province").get(pk=item.site_id)
    rule = item.rule
    key = _key(item.incident_id, rule.recipient)
    with translation.override(settings.LANGUAGE_CODE):
        text = render(rule.text or default_text(rule.recipient), _values(site, item.silent_s))
        label = str(Recipient(rule.recipient).label)
        channel_label = str(Channel(rule.channel).label)
        note = _("automatic: %(channel)s sent to the %(who)s after %(min)s minutes offline") % {
            "channel": channel_label,
            "who": label.lower(),
            "min": max(1, item.silent_s // 60),
        }
    try:
        with transaction.atomic():
            escalation = Escalation.objects.create(
                incident_id=item.incident_id,
                site_id=item.site_id,
                province_id=item.province_id,
                rule_id=rule.pk,
                recipient=rule.recipient,
                channel=rule.channel,
                at=now,
                offline_s=item.silent_s,
                key=key,
                text=text,
            )
            delivery_id = outbox.send(
                site=site,
                role=rule.recipient,
                channel=rule.channel,
                text=text,
                idempotency_key=key,
                reason="escalation",
                urgent=True,  # its job goes before any bulk send's
            )
            if delivery_id is not None:
                Escalation.objects.filter(pk=escalation.pk).update(delivery_id=delivery_id)
            IncidentNote.objects.create(
                incident_id=item.incident_id, author=None, at=now, text=note
            )
    except IntegrityError:
        return False  # another evaluator sent it first
    except Exception:
        log.exception("escalation %s could not be handed over; next tick tries again", key)
        return False
    return True


def incident_escalations(incident_ids: Iterable[int]) -> dict[int, list[Escalation]]:
    """Who was told about each incident, and when (operations' incident pages)."""
    found: dict[int, list[Escalation]] = {}
    for row in Escalation.objects.filter(incident_id__in=list(incident_ids)).order_by("at"):
        found.setdefault(row.incident_id, []).append(row)
    return found


def rule_units(scope: Scope) -> Sequence[Unit]:
    """The units the caller may write rules for: TW for the centre, else their provinces."""
    if scope.everything:
        central = get_unit(CENTRAL_CODE)
        return [central] if central is not None else []
    return _province_units(scope)

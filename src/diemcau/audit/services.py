"""The audit trail: recording operations, reading entries within a scope, and the one rewrite.

Model changes are recorded by django-auditlog (registry.py). Imports, exports, purges,
revocations and other operations that are not one model save call `record_event` once per
operation, with counts, never once per row. Check-in batches and heartbeats are not recorded at
all: each check-in row already says who scanned whom, when and from which site (it is its own
append-only record), and a heartbeat changes no data, it reports a player's health.

Who reads: central organisers everything; a province organiser the entries about their province
(and an organisation's organiser those about it and its children); nobody else, not even their
own actions. The trail holds other people's before/after values (contacts, grants, tokens), so
reading it is an organiser's oversight duty, like unlocking accounts.
"""

import contextlib
import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import DatabaseError, models, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from diemcau.accounts.scopes import Scope, any_of
from diemcau.audit import registry
from diemcau.audit.context import actor_fields, current_request, request_actor, request_addr
from diemcau.audit.models import Action, Entry, RewritePermit
from diemcau.errors import NotFound
from diemcau.units.models import Kind, Level, Unit

REDACTED = "[đã xoá]"

# Labels of actions: auditlog's three, then the operations other apps record.
ACTION_LABELS: dict[str, Any] = {
    "create": gettext_lazy("Created"),
    "update": gettext_lazy("Changed"),
    "delete": gettext_lazy("Deleted"),
    "import": gettext_lazy("Import"),
    "export": gettext_lazy("Export"),
    "purge": gettext_lazy("Personal data erased"),
    "revoke": gettext_lazy("Token revoked"),
    "revoke_playback": gettext_lazy("Playback key revoked"),
    "deactivate": gettext_lazy("Account deactivated"),
    "activate": gettext_lazy("Account activated"),
    "remove_grant": gettext_lazy("Role removed"),
    "reissue": gettext_lazy("Site link reissued"),
    "issue": gettext_lazy("Certificates issued"),
    "send": gettext_lazy("Messages sent"),
    "deliver": gettext_lazy("Messages handed over"),
    "opt_out": gettext_lazy("Opted out of messages"),
    "opt_in": gettext_lazy("Messages allowed again"),
}
_MODEL_ACTIONS = {"create": Action.CREATE, "update": Action.UPDATE, "delete": Action.DELETE}
_ACTION_NAMES = {v: k for k, v in _MODEL_ACTIONS.items()}

# What an operation worked on (record_event's `subject`), for people.
SUBJECT_LABELS: dict[str, Any] = {
    "sites": gettext_lazy("Sites"),
    "delegates": gettext_lazy("Delegates"),
    "user": gettext_lazy("Account"),
    "grant": gettext_lazy("Role grant"),
    "token": gettext_lazy("API token"),
    "site_link": gettext_lazy("Site link"),
    "certificates": gettext_lazy("Certificates"),
    "quiz_bank": gettext_lazy("Quiz questions"),
    "playback_key": gettext_lazy("Site playback key"),
    "audit": gettext_lazy("Audit trail"),
    "notifications": gettext_lazy("Messages to sites"),
}
COUNT_LABELS: dict[str, Any] = {
    "total_rows": gettext_lazy("rows"),
    "total": gettext_lazy("rows"),
    "imported": gettext_lazy("imported"),
    "sites": gettext_lazy("sites"),
    "certificates": gettext_lazy("certificates"),
    "files": gettext_lazy("files"),
    "version": gettext_lazy("key version"),
    "created": gettext_lazy("added"),
    "updated": gettext_lazy("changed"),
    "unchanged": gettext_lazy("unchanged"),
    "bad_rows": gettext_lazy("bad rows"),
    "empty_rows": gettext_lazy("empty rows"),
    "written": gettext_lazy("written"),
    "dry_run": gettext_lazy("dry run"),
    "rows": gettext_lazy("rows"),
    "sessions_ended": gettext_lazy("sessions ended"),
    "tokens": gettext_lazy("tokens"),
    "grants": gettext_lazy("grants"),
    "delegates": gettext_lazy("delegates"),
    "recipients": gettext_lazy("recipients"),
    "sent": gettext_lazy("sent"),
    "failed": gettext_lazy("failed"),
    "skipped": gettext_lazy("not sent"),
    "unknown": gettext_lazy("unknown"),
}


def enabled() -> bool:
    return bool(getattr(settings, "DIEMCAU_AUDIT", True))


# -- recording -------------------------------------------------------------------------------
def _unit_id(unit: Any) -> int | None:
    if unit is None:
        return None
    if isinstance(unit, Unit):
        return unit.pk
    if isinstance(unit, Scope):
        return unit_for_scope(unit)
    if isinstance(unit, int):
        return unit
    return Unit.objects.filter(code=str(unit)).values_list("pk", flat=True).first()


def unit_for_scope(scope: Scope) -> int | None:
    """The unit an operation done within `scope` concerns: a province organiser's province, an
    operator's site's unit; None (central only) for a national scope or none."""
    if scope.everything or scope.reads_everything:
        return None
    if scope.organiser_units:
        return scope.organiser_units[0].pk
    if scope.operator_site_ids:
        return registry._site_unit(min(scope.operator_site_ids))
    if scope.viewer_units:
        return scope.viewer_units[0].pk
    return None


def record_event(
    action: str,
    subject: str,
    *,
    actor: Any = None,
    unit: Any = None,
    counts: Mapping[str, int] | None = None,
    detail: str = "",
    remote_addr: str | None = None,
) -> Entry | None:
    """Record one operation: e.g. record_event("import", "delegates", actor=user, unit=unit,
    counts={"created": 120, "rejected": 3}, detail="ds-dai-bieu.xlsx").

    `actor` is a user (None: the signed-in person of the current request, else the system or a
    CLI run without --as-user), `unit` the unit whose organisers may read the entry (a Unit, its
    id or code, or the Scope the operation ran in; None: central only). `remote_addr` defaults to
    the current request's. With DIEMCAU_AUDIT=0 nothing is recorded.
    """
    if not enabled():
        return None
    request = current_request.get()
    if actor is None:
        actor = request_actor(request)
    if remote_addr is None:
        remote_addr = request_addr(request)
    unit_id = _unit_id(unit)
    return Entry.objects.create(
        action=Action.EVENT,
        event=action[:32],
        subject=subject[:64],
        object_repr=detail[:500] or subject,
        counts={k: int(v) for k, v in counts.items() if isinstance(v, int | float)} or None
        if counts
        else None,
        detail=detail,
        remote_addr=remote_addr,
        unit_id=unit_id,
        province_id=registry.province_of(unit_id),
        **actor_fields(actor),
    )


def record_import(
    subject: str, report: Any, *, scope: Scope, actor: Any = None, filename: str = ""
) -> None:
    """One entry for an import, with the counts of its report (`as_dict()`'s numbers); a dry
    run changes nothing and is not recorded.

    The one line callers (tasks, API, CLI) add after an import, so that the import modules stay
    as they are. `actor` defaults to the request's person, else the scope's (`--as-user`)."""
    figures = report.as_dict() if hasattr(report, "as_dict") else dict(report)
    if figures.get("dry_run"):
        return
    counts = {k: int(v) for k, v in figures.items() if isinstance(v, (int, bool))}
    record_event(
        "import",
        subject,
        actor=actor or _scope_user(scope),
        unit=scope,
        counts=counts,
        detail=filename,
    )


def record_export(
    subject: str, rows: int, *, scope: Scope, actor: Any = None, detail: str = ""
) -> None:
    """One entry for an export of `rows` rows (the same one-line use as record_import)."""
    record_event(
        "export",
        subject,
        actor=actor or _scope_user(scope),
        unit=scope,
        counts={"rows": rows},
        detail=detail,
    )


def _scope_user(scope: Scope) -> Any:
    """The person a scope belongs to, when no request says who acts (a CLI run --as-user)."""
    if current_request.get() is not None or not scope.user_id:
        return None
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(pk=scope.user_id).first()


# -- reading ---------------------------------------------------------------------------------
def can_read(scope: Scope) -> bool:
    return scope.everything or bool(scope.organiser_units)


def read_q(scope: Scope) -> Q | None:
    """Filter for the entries this user may read; None: none at all."""
    if scope.everything:
        return Q()
    parts = []
    for unit in scope.organiser_units:
        if unit.level == Level.CENTRAL and unit.kind == Kind.ADMINISTRATIVE:
            return Q()
        if unit.level == Level.PROVINCE and unit.kind == Kind.ADMINISTRATIVE:
            parts.append(Q(province_id=unit.pk))
        else:
            parts.append(Q(unit_id=unit.pk) | Q(unit__parent_id=unit.pk))
    return any_of(parts)


@dataclass(frozen=True)
class EntryFilters:
    actor: str | None = None  # username, exact (case-insensitive)
    type: str | None = None  # "sites.site", or an operation's subject ("delegates")
    unit: str | None = None  # unit code: entries about it and below
    action: str | None = None  # create / update / delete / an operation ("import")
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    q: str | None = None


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def visible_entries(scope: Scope, filters: EntryFilters | None = None) -> QuerySet[Entry]:
    """Entries in the scope matching the filters, newest first."""
    allowed = read_q(scope)
    if allowed is None:
        return Entry.objects.none()
    qs = _filtered(Entry.objects.filter(allowed), filters or EntryFilters())
    return qs.select_related("unit", "content_type").order_by("-timestamp", "-pk")


def _unit_q(code: str) -> Q | None:
    unit = Unit.objects.filter(code=code.strip()).first()
    if unit is None:
        return None
    if unit.level == Level.PROVINCE and unit.kind == Kind.ADMINISTRATIVE:
        return Q(province_id=unit.pk)
    if unit.level == Level.CENTRAL and unit.kind == Kind.ADMINISTRATIVE:
        return Q()
    return Q(unit_id=unit.pk) | Q(unit__parent_id=unit.pk)


def _clean(text: str | None) -> str | None:
    """A typed filter as the database can take it (PostgreSQL refuses NUL in a string)."""
    return (text or "").replace("\x00", "").strip() or None


def _filtered(qs: QuerySet[Entry], filters: EntryFilters) -> QuerySet[Entry]:
    f = replace(
        filters,
        actor=_clean(filters.actor),
        type=_clean(filters.type),
        unit=_clean(filters.unit),
        action=_clean(filters.action),
        q=_clean(filters.q),
    )
    if f.actor:
        qs = qs.filter(actor_label__iexact=f.actor.strip())
    if f.type:
        qs = qs.filter(subject=f.type.strip().lower())
    if f.unit:
        unit_q = _unit_q(f.unit)
        qs = qs.none() if unit_q is None else qs.filter(unit_q)
    if f.action:
        if f.action in _MODEL_ACTIONS:
            qs = qs.filter(action=_MODEL_ACTIONS[f.action])
        else:
            qs = qs.filter(action=Action.EVENT, event=f.action)
    if f.date_from:
        qs = qs.filter(timestamp__gte=_day_start(f.date_from))
    if f.date_to:
        qs = qs.filter(timestamp__lt=_day_start(f.date_to + dt.timedelta(days=1)))
    if f.q:
        text = f.q.strip()
        qs = qs.filter(
            Q(object_repr__icontains=text)
            | Q(detail__icontains=text)
            | Q(actor_label__icontains=text)
            | Q(object_pk=text)
        )
    return qs


def get_entry(scope: Scope, entry_id: int) -> Entry:
    """One entry; outside the scope it does not exist (404)."""
    found = visible_entries(scope).filter(pk=entry_id).first()
    if found is None:
        raise NotFound(_("No such audit entry."))
    return found


# -- how an entry reads ----------------------------------------------------------------------
@dataclass(frozen=True)
class Change:
    field: str
    before: str
    after: str


def action_name(entry: Entry) -> str:
    return entry.event if entry.action == Action.EVENT else _ACTION_NAMES.get(entry.action, "")


def action_label(entry: Entry) -> str:
    name = action_name(entry)
    return str(ACTION_LABELS.get(name, name))


# Models whose own name is Django's made-up English one.
MODEL_LABELS: dict[str, Any] = {
    "assessment.certificate": gettext_lazy("Certificate"),
    "assessment.reflection": gettext_lazy("Learning report grading"),
    "otp_totp.totpdevice": gettext_lazy("Two-factor device"),
    "otp_static.staticdevice": gettext_lazy("Recovery codes"),
}


def subject_label(subject: str) -> str:
    if subject in MODEL_LABELS:
        return str(MODEL_LABELS[subject])
    if "." in subject:
        try:
            name = str(apps.get_model(subject)._meta.verbose_name)
        except (LookupError, ValueError):
            return subject
        return name[:1].upper() + name[1:]
    return str(SUBJECT_LABELS.get(subject, subject))


def actor_label(entry: Entry) -> str:
    return entry.actor_label or _("system/CLI")


def _text(value: Any) -> str:
    if value is None or value == "None":
        return ""
    if isinstance(value, dict) and value.get("type") == "m2m":
        return ", ".join(str(o) for o in value.get("objects", []))
    return str(value)


def _related_name(label: str, pk: str, names: dict[tuple[str, str], str]) -> str:
    """How a foreign key's value reads: the related row's name (as it is now) and its id; each
    row looked up once per page or file (`names`)."""
    key = (label, pk)
    if key not in names:
        try:
            found = apps.get_model(label)._default_manager.filter(pk=pk).first()
        except (LookupError, ValueError, TypeError, DatabaseError):
            found = None
        names[key] = f"{found} (#{pk})" if found is not None else f"#{pk}"
    return names[key]


def _when(field: Any, text: str) -> str:
    """auditlog keeps times as naive UTC text: shown as 14/6/2025 07:30 here."""
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        return text
    if isinstance(field, models.DateTimeField):
        at = timezone.localtime(value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value)
        return f"{at.day}/{at.month}/{at.year} {at:%H:%M}"
    return f"{value.day}/{value.month}/{value.year}"


def _value(field: Any, value: Any, names: dict[tuple[str, str], str]) -> str:
    text = _text(value)
    if text and isinstance(field, models.DateField):  # DateTimeField is one too
        return _when(field, text)
    if text in ("True", "False") and isinstance(field, models.BooleanField):
        return _("Yes") if text == "True" else _("No")
    if text and getattr(field, "many_to_one", False) and field.related_model is not None:
        return _related_name(field.related_model._meta.label, text, names)
    if text and getattr(field, "choices", None):
        return str(dict(field.flatchoices).get(text, text))
    return text


def changes(entry: Entry, names: dict[tuple[str, str], str] | None = None) -> list[Change]:
    """Each changed field with its label and its values before and after (a foreign key by the
    related row's name, a choice by its label)."""
    found: list[Change] = []
    names = {} if names is None else names
    model = entry.content_type.model_class() if entry.content_type is not None else None
    for name, values in (entry.changes or {}).items():
        label, field = name, None
        if model is not None:
            with contextlib.suppress(FieldDoesNotExist):
                field = model._meta.get_field(name)
                # Names Django makes up from the field ("unit") are plain text: translate.
                label = _(str(getattr(field, "verbose_name", name)))
        if isinstance(values, dict) and values.get("type") == "m2m":
            objects = _text(values)
            if values.get("operation") == "add":
                found.append(Change(label, "", "+ " + objects))
            else:
                found.append(Change(label, "− " + objects, ""))
            continue
        before, after = [*list(values), None, None][:2]
        shown = Change(label, _value(field, before, names), _value(field, after, names))
        if shown.before or shown.after:  # a created row's empty fields say nothing
            found.append(shown)
    return found


def counts(entry: Entry) -> list[tuple[str, int]]:
    return [(str(COUNT_LABELS.get(k, k)), v) for k, v in (entry.counts or {}).items()]


def local_time(entry: Entry) -> str:
    """14/6/2025 07:30, in Asia/Ho_Chi_Minh, as people here write it."""
    at = timezone.localtime(entry.timestamp)
    return f"{at.day}/{at.month}/{at.year} {at:%H:%M}"


def type_choices() -> list[tuple[str, str]]:
    """Object types for the search form: every followed model, then the operations' subjects."""
    found = [(m._meta.label_lower, subject_label(m._meta.label_lower))
             for m in registry.followed_models()]  # fmt: skip
    found += [(k, f"{v} ({_('operation')})") for k, v in SUBJECT_LABELS.items()]
    return sorted(found, key=lambda c: c[1])


def action_choices() -> list[tuple[str, str]]:
    return [(k, str(v)) for k, v in ACTION_LABELS.items()]


# -- the one rewrite -------------------------------------------------------------------------
_PERSONAL = {"full_name", "phone", "email", "position", "workplace", "group", "holder_name"}


def _chunks(ids: list[int], size: int = 5000) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def redact_personal(delegate_ids: Iterable[int]) -> int:
    """Erase delegates' personal values (name, phone, e-mail, position, workplace, group) from
    the entries about them and about their certificates; returns the entries rewritten.

    The personal-data purge calls this: it is the only UPDATE the database lets through (the
    append-only trigger accepts one while a RewritePermit row exists in the same transaction,
    which no other transaction can see). The entry stays — who changed what, when, from where —
    only the values are replaced by "[đã xoá]".
    """
    from diemcau.assessment.models import Certificate
    from diemcau.delegates.models import Delegate

    ids = sorted({int(i) for i in delegate_ids})
    if not ids:
        return 0
    from django.contrib.contenttypes.models import ContentType

    delegate_ct = ContentType.objects.get_for_model(Delegate)
    certificate_ct = ContentType.objects.get_for_model(Certificate)
    rewritten = 0
    with transaction.atomic():
        permit = RewritePermit.objects.create(reason="redact_personal")
        try:
            for chunk in _chunks(ids):
                certificates = list(
                    Certificate.objects.filter(delegate_id__in=chunk).values_list("pk", flat=True)
                )
                targets = Q(content_type=delegate_ct, object_id__in=chunk)
                if certificates:
                    targets |= Q(content_type=certificate_ct, object_id__in=certificates)
                for entry in Entry._base_manager.filter(targets).only(
                    "pk", "changes", "object_repr"
                ):
                    new_changes = _redacted(entry.changes)
                    repr_ = entry.object_repr.split(" · ")[0]
                    if new_changes != entry.changes or repr_ != entry.object_repr:
                        Entry._base_manager.filter(pk=entry.pk).update(
                            changes=new_changes, object_repr=repr_
                        )
                        rewritten += 1
        finally:
            # Deleted, not left to the rollback: the permit must never outlive this function.
            permit.delete()
    return rewritten


def _redacted(values: Any) -> Any:
    if not isinstance(values, dict):
        return values
    out = {}
    for name, pair in values.items():
        if name in _PERSONAL and isinstance(pair, list):
            out[name] = [REDACTED if v not in (None, "", "None") else v for v in pair]
        else:
            out[name] = pair
    return out

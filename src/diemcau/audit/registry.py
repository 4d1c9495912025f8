"""Which models the audit trail follows, what it leaves out, and where on the tree each entry
belongs.

django-auditlog's registry does the recording (a pre_save diff against the stored row,
post_save for creations, post_delete, m2m_changed). Bulk paths (imports via executemany/COPY,
check-in batches, heartbeat flushes) do not send model signals, so they cost nothing here: they
are recorded once per operation by `services.record_event`.

Secrets never reach an entry: password hashes, token digests, badge secrets, national-ID hashes
and OTP keys are masked (an entry says the value changed, not what it is) or not followed.
Delegates' personal values (name, phone, e-mail, position) are kept as before/after values, which
is what makes a delegate edit attributable; `services.redact_personal` erases them when the
personal-data purge runs.
"""

from collections.abc import Callable
from typing import Any

from auditlog.registry import auditlog
from auditlog.signals import pre_log
from django.apps import apps
from django.contrib.auth import get_user_model
from django.db.models import Model
from django.db.models.signals import pre_delete

MASK = "••••••"

# Timestamps the model keeps itself, counters and folded copies: noise in a diff.
_STAMPS = ["created_at", "updated_at", "name_folded", "text_folded"]

# model label → auditlog.register() options.
FOLLOWED: dict[str, dict[str, Any]] = {
    "sites.Site": {"exclude_fields": _STAMPS},
    "delegates.Delegate": {
        "exclude_fields": _STAMPS,
        "mask_fields": ["national_id_hash", "national_id_last4", "secret"],
    },
    "accounts.Grant": {"exclude_fields": _STAMPS, "m2m_fields": {"sites"}},
    "accounts.ApiToken": {
        "exclude_fields": [*_STAMPS, "last_used_at"],
        "mask_fields": ["digest"],
    },
    "console.SiteLink": {"exclude_fields": [*_STAMPS, "last_used_at", "uses"]},
    "otp_totp.TOTPDevice": {"include_fields": ["user", "name", "confirmed"]},
    "otp_static.StaticDevice": {"include_fields": ["user", "name", "confirmed"]},
    # programme
    "programme.Conference": {"exclude_fields": _STAMPS},
    "programme.Day": {},
    "programme.Session": {},
    "programme.Speaker": {},
    "programme.Topic": {"m2m_fields": {"speakers"}},
    "programme.Material": {},
    # settings, grades and certificates
    "assessment.AssessmentSettings": {},
    "assessment.CatchUpRule": {"exclude_fields": _STAMPS},
    "assessment.Question": {},
    "assessment.Reflection": {
        # Grading only: a delegate's drafts are their own work, not a change to audit.
        "include_fields": [
            "score",
            "comment",
            "graded_by",
            "first_score",
            "first_comment",
            "first_grader",
            "second_score",
            "second_comment",
            "second_grader",
            "settled_by",
            "assigned_to",
        ]
    },
    "assessment.Certificate": {"exclude_fields": _STAMPS},
    # answers
    "questions.Sector": {},
    "questions.Cluster": {"include_fields": ["sector", "routed_by", "routed_at"]},
    "questions.Answer": {"exclude_fields": _STAMPS},
    # the day's operations: who opened, took and closed an incident; rehearsal windows
    "operations.Incident": {
        "include_fields": [
            "site",
            "cause",
            "status",
            "description",
            "session",
            "assignee",
            "resolved_by",
            "resolution",
        ]
    },
    "operations.Rehearsal": {"exclude_fields": _STAMPS},
    # automatic messages: who switched an escalation rule or scheduled a reminder
    "alerts.EscalationRule": {"exclude_fields": ["updated_at"]},
    "alerts.Reminder": {"exclude_fields": ["created_at", "sent_at", "sent_count"]},
    # streaming: the studio's ingest key (masked), relays as organisers set them (not the health
    # the checker writes every minute), a site's playback key bumped by a revocation
    "streaming.Stream": {
        "include_fields": ["title", "conference", "ingest_key"],
        "mask_fields": ["ingest_key"],
    },
    "streaming.Relay": {
        "include_fields": ["code", "name", "base_url", "capacity_mbps", "enabled"],
        "m2m_fields": {"provinces"},
    },
    "streaming.SiteKey": {"include_fields": ["site", "version", "revoked_at"]},
    # a session's recording made, its retention changed, deleted (central only)
    "streaming.Recording": {"include_fields": ["session", "name", "keep_until", "topics"]},
}
USER_OPTIONS: dict[str, Any] = {"exclude_fields": ["last_login"], "mask_fields": ["password"]}

# Created by the system or by delegates as they go; their later changes are what counts.
# (Automatic incidents are bulk-created by the heartbeat flush and send no signal at all; a
# manual one is created by a person and recorded.) Headcounts and check-ins are not followed:
# each row already says who reported it, when and from which site.
# Certificates are issued in batches of a whole province: one entry per batch (its task).
_SKIP_CREATE = {"assessment.Reflection", "questions.Cluster", "assessment.Certificate"}


def mask(value: str) -> str:
    """Say that a secret was set (or cleared), never what it is, not even in part."""
    return MASK if value and value != "None" else ""


def followed_models() -> list[type[Model]]:
    return [apps.get_model(label) for label in FOLLOWED] + [get_user_model()]


def connect() -> None:
    """Register every followed model with auditlog (AuditConfig.ready, when DIEMCAU_AUDIT)."""
    for label, options in FOLLOWED.items():
        auditlog.register(
            apps.get_model(label), mask_callable="diemcau.audit.registry.mask", **options
        )
    auditlog.register(get_user_model(), mask_callable="diemcau.audit.registry.mask", **USER_OPTIONS)
    pre_log.connect(_skip_creations, dispatch_uid="diemcau.audit.skip_creations")
    for model in followed_models():
        pre_delete.connect(_remember_unit, sender=model, dispatch_uid=("diemcau.audit", model))


def disconnect() -> None:
    """Stop following (the bench's baseline and tests that measure without the trail)."""
    for model in followed_models():
        auditlog.unregister(model)
    pre_log.disconnect(dispatch_uid="diemcau.audit.skip_creations")
    for model in followed_models():
        pre_delete.disconnect(sender=model, dispatch_uid=("diemcau.audit", model))


def _remember_unit(sender: type[Model], instance: Model, **kwargs: Any) -> None:
    """Before a delete: the rows that place it (a grant's sites, a person's grants) go first."""
    instance._audit_unit_id = unit_of(instance)  # type: ignore[attr-defined]


def _skip_creations(sender: type[Model], instance: Model, action: int, **kwargs: Any) -> bool:
    return not (action == 0 and sender._meta.label in _SKIP_CREATE)


# -- where an entry belongs ------------------------------------------------------------------
def province_of(unit_id: int | None) -> int | None:
    """A unit's province (one indexed read; entries are written at the pace of people)."""
    if unit_id is None:
        return None
    from diemcau.units.models import Unit

    return Unit.objects.filter(pk=unit_id).values_list("province_id", flat=True).first()


def _site_unit(site_id: int | None) -> int | None:
    if site_id is None:
        return None
    from diemcau.sites.models import Site

    return Site.objects.filter(pk=site_id).values_list("unit_id", flat=True).first()


def _grant_unit(grant: Any) -> int | None:
    if grant.unit_id:
        return int(grant.unit_id)
    if grant.pk is None:
        return None
    through = type(grant).sites.through
    site_id = through.objects.filter(grant_id=grant.pk).values_list("site_id", flat=True).first()
    return _site_unit(site_id)


def _user_unit(user_id: int | None) -> int | None:
    """A person belongs to the one province all their grants lie in (as accounts/revocation.py
    decides); anyone holding a national grant, or grants in two provinces, is central's only."""
    if user_id is None:
        return None
    from diemcau.accounts.models import Grant

    provinces: set[int | None] = set()
    for grant in Grant.objects.filter(user_id=user_id):
        unit = _grant_unit(grant)
        if unit is None:
            return None
        provinces.add(province_of(unit))
    if len(provinces) != 1:
        return None
    return provinces.pop()


def _delegate_unit(delegate_id: int | None) -> int | None:
    if delegate_id is None:
        return None
    from diemcau.delegates.models import Delegate

    return Delegate.objects.filter(pk=delegate_id).values_list("site__unit_id", flat=True).first()


_UNIT_OF: dict[str, Callable[[Any], int | None]] = {
    "sites.Site": lambda o: o.unit_id,
    "delegates.Delegate": lambda o: _site_unit(o.site_id),
    "accounts.Grant": _grant_unit,
    "accounts.ApiToken": lambda o: _user_unit(o.user_id),
    "console.SiteLink": lambda o: _site_unit(o.site_id),
    "otp_totp.TOTPDevice": lambda o: _user_unit(o.user_id),
    "otp_static.StaticDevice": lambda o: _user_unit(o.user_id),
    "assessment.Reflection": lambda o: _site_unit(o.site_id),
    "assessment.Certificate": lambda o: _delegate_unit(o.delegate_id),
    "operations.Incident": lambda o: _site_unit(o.site_id),
    "operations.Rehearsal": lambda o: o.unit_id,
    "alerts.EscalationRule": lambda o: o.unit_id,
    "alerts.Reminder": lambda o: o.unit_id,
    "streaming.SiteKey": lambda o: _site_unit(o.site_id),
}


def unit_of(instance: Model) -> int | None:
    """The unit an entry about `instance` concerns; None: central organisers only (programme,
    settings, sectors and answers are national)."""
    label = instance._meta.label
    if instance._meta.model is get_user_model():
        return _user_unit(instance.pk)
    resolve = _UNIT_OF.get(label)
    return resolve(instance) if resolve else None

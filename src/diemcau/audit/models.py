"""The audit trail's one table: django-auditlog's log entry with the scope it concerns.

django-auditlog writes an entry for every save and delete of a registered model (registry.py)
with its before/after values; `AUDITLOG_LOGENTRY_MODEL = "audit.Entry"` makes it write them
here instead of its own table. The subclass adds what auditlog cannot know:

- `unit` and `province`: the place on the administrative tree an entry concerns, so that a
  province organiser's list is one indexed equality (`province`, newest first), as for sites
  and delegates;
- `event`, `subject`, `counts`, `detail`: operations that are not one model save (an import of
  120,000 delegates is one entry with its counts, never one per row);
- `actor_label`: who acted, as they were called at the time (kept if the account is renamed
  or removed: `actor` then points nowhere, on purpose, instead of rewriting the entry).

Entries are append-only: no admin, page or API changes one, and the database refuses UPDATE
and DELETE (migration 0002) except the one rewrite `services.redact_personal` performs, which
takes a permit row in `RewritePermit` inside its own transaction.
"""

from typing import Any

from auditlog.models import AbstractLogEntry, LogEntryManager
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Action:
    """auditlog's actions (0–3) and ours: an operation recorded by `record_event`."""

    CREATE = AbstractLogEntry.Action.CREATE
    UPDATE = AbstractLogEntry.Action.UPDATE
    DELETE = AbstractLogEntry.Action.DELETE
    ACCESS = AbstractLogEntry.Action.ACCESS
    EVENT = 4

    choices = (
        (CREATE, _("create")),
        (UPDATE, _("update")),
        (DELETE, _("delete")),
        (ACCESS, _("access")),
        (EVENT, _("operation")),
    )


def _context_fields(instance: models.Model, kwargs: dict[str, Any]) -> None:
    """Who, from where and where on the tree, for an entry auditlog is about to write."""
    from diemcau.audit import registry
    from diemcau.audit.context import actor_fields, current_request, request_actor, request_addr

    request = current_request.get()
    for key, value in actor_fields(request_actor(request)).items():
        kwargs.setdefault(key, value)
    kwargs.setdefault("remote_addr", request_addr(request))
    kwargs.setdefault("subject", instance._meta.label_lower)
    unit_id = getattr(instance, "_audit_unit_id", None)
    if unit_id is None:
        unit_id = registry.unit_of(instance)
    kwargs.setdefault("unit_id", unit_id)
    kwargs.setdefault("province_id", registry.province_of(unit_id))


class AppendOnlyError(RuntimeError):
    """Someone tried to change or remove an audit entry."""

    def __init__(self) -> None:
        super().__init__("audit entries are append-only")


class AppendOnlyQuerySet(models.QuerySet["Entry"]):
    """Entries are never changed or removed through the ORM (the database refuses too)."""

    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError


class EntryManager(LogEntryManager.from_queryset(AppendOnlyQuerySet)):  # type: ignore[misc]
    """auditlog's manager, filling in our columns on every entry it writes."""

    def log_create(self, instance: Any, force_log: bool = False, **kwargs: Any) -> Any:
        changes = kwargs.get("changes")
        if isinstance(changes, dict):
            # auditlog lists reverse relations on a creation ("delegates": "Delegate.None"):
            # only the row's own columns are its before/after.
            own = {f.name for f in instance._meta.concrete_fields}
            kwargs["changes"] = {k: v for k, v in changes.items() if k in own}
            if not kwargs["changes"] and not force_log:
                return None
        _context_fields(instance, kwargs)
        return super().log_create(instance, force_log=force_log, **kwargs)

    def log_m2m_changes(
        self, changed_queryset: Any, instance: Any, operation: str, field_name: str, **kwargs: Any
    ) -> Any:
        if not changed_queryset:
            return None
        _context_fields(instance, kwargs)
        return super().log_m2m_changes(changed_queryset, instance, operation, field_name, **kwargs)


class Entry(AbstractLogEntry):
    # Nullable: an operation (import, export, purge…) concerns no single row. PROTECT: a content
    # type with entries is never removed under them (auditlog's CASCADE would delete the trail).
    content_type = models.ForeignKey(
        "contenttypes.ContentType",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("content type"),
    )
    object_pk = models.CharField(
        db_index=True, max_length=255, blank=True, verbose_name=_("object pk")
    )
    action = models.PositiveSmallIntegerField(
        choices=Action.choices, verbose_name=_("action"), db_index=True
    )
    # No cascade and no constraint: removing a person must not rewrite or delete what they did.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        blank=True,
        null=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    actor_label = models.CharField(_("actor"), max_length=150, blank=True)
    event = models.CharField(_("operation"), max_length=32, blank=True)
    # "sites.site" for a model's entry, the thing an operation worked on ("delegates") else:
    # one column to filter by type whatever wrote the entry.
    subject = models.CharField(_("object type"), max_length=64, blank=True)
    counts = models.JSONField(_("counts"), null=True, blank=True)
    detail = models.TextField(_("detail"), blank=True)
    unit = models.ForeignKey(
        "units.Unit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # Meta.indexes
        verbose_name=_("unit"),
    )
    province = models.ForeignKey(
        "units.Unit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # Meta.indexes
        verbose_name=_("province"),
    )

    objects = EntryManager()

    class Meta(AbstractLogEntry.Meta):
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        indexes = [
            # A province organiser's list, newest first, is one range of this index.
            models.Index(fields=["province", "-timestamp"], name="audit_entry_province_ts"),
            models.Index(fields=["unit", "-timestamp"], name="audit_entry_unit_ts"),
            models.Index(fields=["subject", "-timestamp"], name="audit_entry_subject_ts"),
            models.Index(fields=["actor", "-timestamp"], name="audit_entry_actor_ts"),
        ]

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise AppendOnlyError

    def __str__(self) -> str:
        if self.action == Action.EVENT:
            return f"{self.event} {self.subject}"
        return str(super().__str__())


class RewritePermit(models.Model):
    """A row here, visible only inside the transaction that wrote it, lets the database's
    append-only trigger accept an UPDATE of entries: `redact_personal` is the only writer."""

    reason = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.reason

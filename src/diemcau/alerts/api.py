"""Alerts API: escalation rules, the escalations they sent, scheduled reminders."""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from diemcau.accounts.scopes import scope_for
from diemcau.alerts import reminders, services
from diemcau.alerts.models import Escalation, EscalationRule, Reminder
from diemcau.errors import Forbidden
from diemcau.paging import PageQuery, page_of

router = Router()


class EscalationRuleOut(Schema):
    id: int
    unit: str
    recipient: str
    channel: str
    after_min: int
    cooldown_min: int
    enabled: bool
    text: str
    updated_at: dt.datetime

    @staticmethod
    def resolve_unit(obj: EscalationRule) -> str:
        return obj.unit.code

    @staticmethod
    def resolve_after_min(obj: EscalationRule) -> int:
        return obj.after_s // 60

    @staticmethod
    def resolve_cooldown_min(obj: EscalationRule) -> int:
        return obj.cooldown_s // 60


class EscalationRuleIn(Schema):
    unit: str = Field(..., max_length=32, description="TW (national) or a province code")
    recipient: str = Field(..., description="technician | province_organiser")
    after_min: int = Field(..., description="Minutes of silence during a live session")
    cooldown_min: int = Field(15, description="Minutes before the same site may alert again")
    enabled: bool = True
    channel: str = "sms"
    text: str = Field("", max_length=services.MAX_TEXT)


class EscalationOut(Schema):
    id: int
    incident: int
    site: str
    recipient: str
    channel: str
    at: dt.datetime
    offline_s: int
    delivery: int | None
    text: str

    @staticmethod
    def resolve_incident(obj: Escalation) -> int:
        return obj.incident_id

    @staticmethod
    def resolve_site(obj: Escalation) -> str:
        return obj.site.code

    @staticmethod
    def resolve_delivery(obj: Escalation) -> int | None:
        return obj.delivery_id


class EscalationPage(Schema):
    total: int
    limit: int
    offset: int
    items: list[EscalationOut]


class EscalationQuery(PageQuery):
    incident: int | None = None
    site: str | None = Field(None, max_length=32)


class ReminderOut(Schema):
    id: int
    unit: str
    target: str
    target_id: int
    before_min: int | None
    send_at: dt.datetime
    audience: str
    recipient: str
    channel: str
    text: str
    enabled: bool
    sent_at: dt.datetime | None
    sent_count: int

    @staticmethod
    def resolve_unit(obj: Reminder) -> str:
        return obj.unit.code

    @staticmethod
    def resolve_target(obj: Reminder) -> str:
        return "rehearsal" if obj.rehearsal_id else "session"

    @staticmethod
    def resolve_target_id(obj: Reminder) -> int:
        return obj.rehearsal_id or obj.session_id or 0


class ReminderIn(Schema):
    unit: str = Field(..., max_length=32)
    target: str = Field(..., description="rehearsal | session")
    target_id: int
    before_min: int | None = Field(None, description="Minutes before; none: the evening before")
    audience: str = Field("all", description="all | not_ready")
    recipient: str = Field("contact", description="contact | technician")
    channel: str = "sms"
    text: str = Field("", max_length=reminders.MAX_TEXT)


def _readers_only(request: HttpRequest) -> Any:
    scope = scope_for(request.user)
    if not services.may_read_rules(scope):
        raise Forbidden(_("Only organisers and viewers see the automatic messages."))
    return scope


@router.get("/rules", response=list[EscalationRuleOut], summary="Escalation rules you may read")
def list_rules(request: HttpRequest) -> list[EscalationRule]:
    return list(services.visible_rules(_readers_only(request)))


@router.post(
    "/rules",
    response={200: EscalationRuleOut},
    summary="Set the rule of a unit (TW or your province) for a recipient: create or replace",
)
def put_rule(request: HttpRequest, payload: EscalationRuleIn) -> EscalationRule:
    return services.save_rule(
        scope_for(request.user), request.user, services.RuleIn(**payload.dict())
    )


@router.get(
    "/escalations",
    response=EscalationPage,
    summary="Escalations sent about the sites you may read (who was told, when)",
)
def list_escalations(request: HttpRequest, query: Query[EscalationQuery]) -> dict[str, Any]:
    qs = services.visible_escalations(scope_for(request.user))
    if query.incident is not None:
        qs = qs.filter(incident_id=query.incident)
    if query.site:
        qs = qs.filter(site__code=query.site)
    return page_of(qs, query)


@router.get("/reminders", response=list[ReminderOut], summary="Scheduled reminders")
def list_reminders(request: HttpRequest) -> list[Reminder]:
    return list(reminders.visible_reminders(_readers_only(request))[:500])


@router.post("/reminders", response={201: ReminderOut}, summary="Schedule a reminder")
def create_reminder(request: HttpRequest, payload: ReminderIn) -> Status:
    reminder = reminders.create_reminder(
        scope_for(request.user), request.user, reminders.ReminderIn(**payload.dict())
    )
    return Status(201, reminder)

"""Messages to sites over the API: templates, preview, send, progress, deliveries. Thin."""

import datetime as dt
from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from diemcau.accounts.scopes import scope_for
from diemcau.notifications import audiences, broadcast, templating
from diemcau.notifications.audiences import Audience
from diemcau.notifications.models import Delivery, Message, Template
from diemcau.notifications.services import recent_for_site
from diemcau.paging import PageQuery, limit_field, page_of
from diemcau.sites.services import get_site

router = Router()


class MessageTemplateIn(Schema):
    name: str = Field(..., max_length=120)
    channel: str = Field("email", description="email | sms | zalo")
    subject: str = Field("", max_length=templating.MAX_SUBJECT_CHARS)
    body: str = Field(..., max_length=templating.MAX_BODY_CHARS)


class MessageTemplateOut(Schema):
    id: int
    name: str
    channel: str
    subject: str
    body: str


class MessageAudienceIn(Schema):
    kind: str = Field("all", description="all | not_ready | silent | never | list")
    province: str | None = Field(None, max_length=32)
    unit: str | None = Field(None, max_length=32)
    q: str | None = Field(None, max_length=100)
    codes: list[str] = Field(default_factory=list, max_length=audiences.MAX_CODES)


class MessageDraftIn(Schema):
    channel: str = Field("email", description="email | sms | zalo")
    role: str = Field("contact", description="contact | technician")
    subject: str = Field("", max_length=templating.MAX_SUBJECT_CHARS)
    body: str = Field(..., max_length=templating.MAX_BODY_CHARS)
    audience: MessageAudienceIn
    session: int | None = None
    reply_to: str = Field("", max_length=254)
    template: int | None = None
    preview_site: str | None = Field(None, max_length=32)

    def draft(self) -> broadcast.Draft:
        a = self.audience
        return broadcast.Draft.clean(
            channel=self.channel, role=self.role, subject=self.subject, body=self.body,
            audience=Audience.clean(a.kind, a.province, a.unit, a.q, a.codes),
            session_id=self.session, reply_to=self.reply_to,
        )  # fmt: skip


class SmsSizeOut(Schema):
    encoding: str
    units: int
    parts: int


class MessagePreviewOut(Schema):
    recipients: int
    site: str
    name: str
    address: str
    subject: str
    text: str
    sms: SmsSizeOut | None = None


class DeliveryCountsOut(Schema):
    total: int
    finished: int
    percent: int
    queued: int
    sending: int
    sent: int
    failed: int
    skipped: int
    unknown: int


class MessageOut(Schema):
    id: int
    channel: str
    role: str
    subject: str
    body: str
    audience: dict[str, Any]
    created_at: dt.datetime
    task_id: UUID | None
    counts: DeliveryCountsOut

    @staticmethod
    def resolve_counts(obj: Message) -> dict[str, Any]:
        return broadcast.progress_counts(obj)


class DeliveryOut(Schema):
    id: int
    site: str | None
    role: str
    channel: str
    name: str
    address: str
    status: str
    attempts: int
    parts: int
    answer: str
    reason: str
    created_at: dt.datetime
    sent_at: dt.datetime | None

    @staticmethod
    def resolve_site(obj: Delivery) -> str | None:
        return obj.site.code if obj.site else None


class DeliveryPage(Schema):
    total: int
    limit: int
    offset: int
    items: list[DeliveryOut]


class MessageQuery(PageQuery):
    limit: int = limit_field(50, 200)


class DeliveryQuery(PageQuery):
    status: str | None = Field(None, max_length=16)
    limit: int = limit_field(100, 1000)


@router.get(
    "/templates", response=list[MessageTemplateOut], summary="Message templates you may use"
)
def list_templates(request: HttpRequest) -> list[Template]:
    return list(broadcast.visible_templates(scope_for(request.user)).order_by("name"))


@router.post("/templates", response={201: MessageTemplateOut}, summary="Save a message template")
def create_template(request: HttpRequest, payload: MessageTemplateIn) -> Status:
    return Status(
        201,
        broadcast.save_template(
            scope_for(request.user), request.user, name=payload.name, channel=payload.channel,
            subject=payload.subject, body=payload.body,
        ),
    )  # fmt: skip


@router.post(
    "/preview", response=MessagePreviewOut, summary="A message as one real recipient gets it"
)
def preview(request: HttpRequest, payload: MessageDraftIn) -> dict[str, Any]:
    shown = broadcast.preview(scope_for(request.user), payload.draft(), payload.preview_site)
    return {**shown, "site": shown["site"].code}


@router.get("/messages", response=list[MessageOut], summary="Messages you sent")
def list_messages(request: HttpRequest, query: Query[MessageQuery]) -> list[Message]:
    scope = scope_for(request.user)
    audiences.require_sender(scope)
    qs = broadcast.visible_messages(scope)
    return list(qs[query.offset : query.offset + query.limit])


@router.post(
    "/messages", response={202: MessageOut}, summary="Send a message to an audience (background)"
)
def send(request: HttpRequest, payload: MessageDraftIn) -> Status:
    message, _task = broadcast.send(
        scope_for(request.user), request.user, payload.draft(), template_id=payload.template
    )
    return Status(202, message)


@router.get("/messages/{message_id}", response=MessageOut, summary="A message and its progress")
def get_message(request: HttpRequest, message_id: int) -> Message:
    return broadcast.get_message(scope_for(request.user), message_id)


@router.post(
    "/messages/{message_id}/resume",
    response={202: MessageOut},
    summary="Send what is still waiting (nothing twice)",
)
def resume(request: HttpRequest, message_id: int) -> Status:
    scope = scope_for(request.user)
    broadcast.resume(scope, message_id)
    return Status(202, broadcast.get_message(scope, message_id))


class ResendIn(Schema):
    unknown: bool = Field(
        False, description="Also the deliveries whose outcome is unknown (they may have arrived)."
    )


class ResendOut(Schema):
    resent: int
    task: UUID
    message: MessageOut


@router.post(
    "/messages/{message_id}/resend",
    response={202: ResendOut},
    summary="Send the failed deliveries again (a new attempt each, at most once)",
)
def resend(request: HttpRequest, message_id: int, payload: ResendIn) -> Status:
    scope = scope_for(request.user)
    count, task = broadcast.resend(scope, request.user, message_id, unknown=payload.unknown)
    return Status(
        202,
        {"resent": count, "task": task.pk, "message": broadcast.get_message(scope, message_id)},
    )


@router.get(
    "/messages/{message_id}/deliveries",
    response=DeliveryPage,
    summary="One row per recipient: status and the gateway's answer",
)
def deliveries(
    request: HttpRequest, message_id: int, query: Query[DeliveryQuery]
) -> dict[str, Any]:
    message = broadcast.get_message(scope_for(request.user), message_id)
    qs = message.deliveries.select_related("site").order_by("pk")
    if query.status:
        qs = qs.filter(status=query.status)
    return page_of(qs, query)


@router.get(
    "/sites/{code}/deliveries", response=list[DeliveryOut], summary="The last messages to a site"
)
def site_deliveries(request: HttpRequest, code: str) -> list[Delivery]:
    return recent_for_site(get_site(scope_for(request.user), code), 20)

"""Organisers' pages: compose (with a preview on a real recipient), send, watch, deliveries.
Thin: everything is asked of `broadcast` and `audiences`."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from diemcau.accounts.scopes import scope_for
from diemcau.errors import Invalid
from diemcau.notifications import audiences, broadcast, optouts, templating
from diemcau.notifications.audiences import Audience
from diemcau.notifications.models import Channel, DeliveryStatus, RecipientRole
from diemcau.web.errors import domain_errors

PER_PAGE = 50


def _sessions() -> list[Any]:
    from diemcau.programme.models import Session

    return list(Session.objects.select_related("day").order_by("-day__date", "starts_at")[:200])


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def _draft(post: Any) -> broadcast.Draft:
    return broadcast.Draft.clean(
        channel=post.get("channel", Channel.EMAIL),
        role=post.get("role", RecipientRole.CONTACT),
        subject=post.get("subject", ""),
        body=post.get("body", ""),
        audience=Audience.clean(
            post.get("kind"),
            post.get("province"),
            post.get("unit"),
            post.get("q"),
            post.get("codes", ""),
        ),
        session_id=_int(post.get("session")),
        reply_to=post.get("reply_to", ""),
    )


@login_required
@domain_errors
def index(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    audiences.require_sender(scope)
    page = Paginator(broadcast.visible_messages(scope).select_related("created_by"), 30).get_page(
        request.GET.get("page")
    )
    rows = [(m, broadcast.progress_counts(m)) for m in page.object_list]
    return render(request, "notifications/index.html", {"page": page, "rows": rows})


@login_required
@domain_errors
@require_http_methods(["GET", "POST"])
def compose(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    templates = list(broadcast.visible_templates(scope))
    data: dict[str, Any] = {"channel": "email", "role": "contact", "kind": "all"}
    chosen = _int(request.GET.get("template"))
    for t in templates:
        if t.pk == chosen:
            data.update(channel=t.channel, subject=t.subject, body=t.body, template=t.pk)
    shown = None
    error: Invalid | None = None
    if request.method == "POST":
        data = request.POST.dict()
        try:
            draft = _draft(request.POST)
            if request.POST.get("action") == "send":
                message, _task = broadcast.send(
                    scope, request.user, draft, template_id=_int(request.POST.get("template"))
                )
                return redirect("notifications:message", pk=message.pk)
            shown = broadcast.preview(scope, draft, request.POST.get("preview_site") or None)
        except Invalid as exc:
            error = exc
    context = {
        "data": data,
        "shown": shown,
        "error": error,
        "templates": templates,
        "kinds": list(audiences.KINDS.items()),
        "channels": [(c.value, c.label) for c in Channel if c != Channel.ZALO],
        "roles": [
            (r.value, r.label) for r in RecipientRole if r != RecipientRole.PROVINCE_ORGANISER
        ],
        "sessions": _sessions(),
        "fields": templating.FIELDS,
    }
    return render(request, "notifications/compose.html", context, status=400 if error else 200)


@login_required
@domain_errors
def message_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_for(request.user)
    message = broadcast.get_message(scope, pk)
    status = request.GET.get("status") or ""
    deliveries = message.deliveries.select_related("site").order_by("pk")
    if status in DeliveryStatus.values:
        deliveries = deliveries.filter(status=status)
    counts = broadcast.progress_counts(message)
    template = (
        "notifications/progress.html"
        if request.GET.get("partial")
        else "notifications/message.html"
    )
    return render(
        request,
        template,
        {
            "message": message,
            "counts": counts,
            "page": Paginator(deliveries, PER_PAGE).get_page(request.GET.get("page")),
            "status": status,
            "statuses": [(s.value, s.label, counts[s.value]) for s in DeliveryStatus],
            "audience": Audience.from_dict(message.audience).label(),
        },
    )


@login_required
@domain_errors
@require_POST
def message_resume(request: HttpRequest, pk: int) -> HttpResponse:
    broadcast.resume(scope_for(request.user), pk)
    return redirect("notifications:message", pk=pk)


@login_required
@domain_errors
@require_POST
def message_resend(request: HttpRequest, pk: int) -> HttpResponse:
    unknown = request.POST.get("unknown") == "1"
    try:
        count, _task = broadcast.resend(scope_for(request.user), request.user, pk, unknown=unknown)
    except Invalid as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("%(n)s messages queued again.") % {"n": count})
    return redirect("notifications:message", pk=pk)


@login_required
@domain_errors
@require_http_methods(["GET", "POST"])
def opt_outs_page(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    error: Invalid | None = None
    data: dict[str, Any] = {"channel": Channel.SMS}
    if request.method == "POST":
        data = request.POST.dict()
        remove = data.get("action") == "remove"
        try:
            shown = optouts.change_opt_out(
                scope, request.user, data.get("channel", ""), data.get("address", ""),
                remove=remove, note=data.get("note", ""),
            )  # fmt: skip
        except Invalid as exc:
            error = exc
        else:
            done = (
                _("%(address)s may receive messages again.")
                if remove
                else _("%(address)s will receive no more messages on this channel.")
            )
            messages.success(request, done % {"address": shown})
            return redirect("notifications:opt_outs")
    addresses = optouts.site_addresses(scope)
    page = Paginator(optouts.visible_opt_outs(scope, addresses), PER_PAGE).get_page(
        request.GET.get("page")
    )
    rows = [(o, addresses.get((o.channel, o.address), [])) for o in page.object_list]
    return render(
        request,
        "notifications/opt_outs.html",
        {
            "page": page,
            "rows": rows,
            "data": data,
            "error": error,
            "channels": [(c.value, c.label) for c in Channel],
        },
        status=400 if error else 200,
    )


@login_required
@domain_errors
@require_http_methods(["GET", "POST"])
def templates_page(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    error: Invalid | None = None
    data: dict[str, Any] = {"channel": "email"}
    if request.method == "POST":
        data = request.POST.dict()
        try:
            broadcast.save_template(
                scope, request.user, name=data.get("name", ""), channel=data.get("channel", ""),
                subject=data.get("subject", ""), body=data.get("body", ""),
            )  # fmt: skip
            return redirect("notifications:templates")
        except Invalid as exc:
            error = exc
    return render(
        request,
        "notifications/templates.html",
        {
            "templates": broadcast.visible_templates(scope).order_by("name"),
            "data": data,
            "error": error,
            "channels": [(c.value, c.label) for c in Channel],
            "fields": templating.FIELDS,
        },
        status=400 if error else 200,
    )

"""Organiser pages: escalation rules with what they sent, and scheduled reminders."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from diemcau.accounts.scopes import scope_for
from diemcau.alerts import reminders, services
from diemcau.alerts.models import Audience, Channel, Recipient
from diemcau.errors import Forbidden, Invalid
from diemcau.operations.rehearsals import may_schedule
from diemcau.web.errors import domain_errors


def _int(value: str | None, default: int | None = None) -> int | None:
    try:
        return int((value or "").strip())
    except ValueError:
        return default


def _errors(request: HttpRequest, exc: Invalid) -> None:
    for message in exc.fields.values() or [exc.message]:
        messages.error(request, message)


@require_GET
@login_required
@domain_errors
def rules_page(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    if not services.may_read_rules(scope):
        raise Forbidden(_("Only organisers and viewers see the automatic messages."))
    rules = list(services.visible_rules(scope))
    for rule in rules:
        rule.may_change = services.may_write_rule(scope, rule.unit)  # type: ignore[attr-defined]
    return render(
        request,
        "alerts/rules.html",
        {
            "rules": rules,
            "units": services.rule_units(scope),
            "recipients": [(r.value, r.label) for r in services.ESCALATION_RECIPIENTS],
            "channels": Channel.choices,
            "escalations": services.visible_escalations(scope)[:100],
        },
    )


@require_POST
@login_required
@domain_errors
def rule_save(request: HttpRequest) -> HttpResponse:
    post = request.POST
    data = services.RuleIn(
        unit=post.get("unit", ""),
        recipient=post.get("recipient", ""),
        after_min=_int(post.get("after_min"), -1) or 0,
        cooldown_min=_int(post.get("cooldown_min"), 15) or 0,
        enabled=post.get("enabled") == "on",
        channel=post.get("channel", Channel.SMS),
        text=post.get("text", ""),
    )
    try:
        services.save_rule(scope_for(request.user), request.user, data)
    except Invalid as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("The rule is saved."))
    return redirect("alerts:rules")


@require_GET
@login_required
@domain_errors
def reminders_page(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    if not reminders.may_read(scope):
        raise Forbidden(_("Only organisers and viewers see the automatic messages."))
    default_unit = scope.organiser_units[0].code if scope.organiser_units else "TW"
    return render(
        request,
        "alerts/reminders.html",
        {
            "items": reminders.visible_reminders(scope)[:200],
            "may_schedule": may_schedule(scope),
            "targets": reminders.targets() if may_schedule(scope) else {},
            "audiences": Audience.choices,
            "recipients": [(r.value, r.label) for r in reminders.REMINDER_RECIPIENTS],
            "channels": Channel.choices,
            "default_unit": default_unit,
            "default_text": reminders.default_text(),
        },
    )


@require_POST
@login_required
@domain_errors
def reminder_create(request: HttpRequest) -> HttpResponse:
    post = request.POST
    target, _sep, target_id = post.get("target", "").partition(":")
    when = post.get("when", "")
    data = reminders.ReminderIn(
        unit=post.get("unit", ""),
        target=target,
        target_id=_int(target_id, 0) or 0,
        before_min=None if when == "evening" else _int(post.get("before_min"), 0),
        audience=post.get("audience", Audience.ALL),
        recipient=post.get("recipient", Recipient.CONTACT),
        channel=post.get("channel", Channel.SMS),
        text=post.get("text", ""),
    )
    try:
        reminders.create_reminder(scope_for(request.user), request.user, data)
    except Invalid as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("The reminder is scheduled."))
    return redirect("alerts:reminders")

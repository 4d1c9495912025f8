"""Programme pages: the agenda for everyone, editing for central organisers, materials.

Views stay thin: reads go through `services.agenda`/`get_*`, writes through the services, which
raise Forbidden for anyone but a central organiser (403 here as in the API).
"""

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from diemcau.accounts.scopes import Scope, scope_for
from diemcau.errors import Forbidden, Invalid, NotFound
from diemcau.programme import ical, materials, services
from diemcau.programme.forms import (
    ConferenceForm,
    DayForm,
    MaterialForm,
    ServiceForm,
    SessionForm,
    SpeakerForm,
    TopicForm,
)
from diemcau.programme.models import Conference, Day
from diemcau.sites.services import visible_sites
from diemcau.web.errors import domain_errors

MISSING_SHOWN = 200


def _edit(
    request: HttpRequest,
    form: ServiceForm,
    save: Callable[[dict[str, Any]], Any],
    done: Callable[[Any], HttpResponse],
    context: dict[str, Any],
) -> HttpResponse:
    """Run a form against a service: on success redirect, else show the errors."""
    if request.method == "POST" and form.is_valid():
        try:
            saved = save(form.values())
        except Invalid as exc:
            form.add_invalid(exc)
        else:
            messages.success(request, _("Saved."))
            return done(saved)
    return render(request, "programme/form.html", {"form": form, **context})


def _conference_context(conference: Conference, title: str) -> dict[str, Any]:
    return {"conference": conference, "title": title}


# -- conference -----------------------------------------------------------------------------
@login_required
@require_GET
@domain_errors
def conference_list(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    items = services.conferences(scope)
    context = {"conferences": items, "can_edit": services.can_edit(scope)}
    return render(request, "programme/conference_list.html", context)


@login_required
@domain_errors
def conference_create(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    services.require_editor(scope)
    return _edit(
        request,
        ConferenceForm(request.POST or None),
        lambda values: services.create_conference(scope, values),
        lambda c: redirect("programme:detail", pk=c.pk),
        {"title": _("New conference")},
    )


@login_required
@domain_errors
def conference_edit(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_for(request.user)
    services.require_editor(scope)
    conference = services.get_conference(scope, pk)
    initial = {n: getattr(conference, n) for n in services.CONFERENCE_FIELDS}
    return _edit(
        request,
        ConferenceForm(request.POST or None, initial=initial),
        lambda values: services.update_conference(scope, pk, values),
        lambda c: redirect("programme:detail", pk=c.pk),
        _conference_context(conference, _("Edit conference")),
    )


@login_required
@require_POST
@domain_errors
def conference_publish(request: HttpRequest, pk: int) -> HttpResponse:
    services.publish_conference(scope_for(request.user), pk)
    messages.success(request, _("The programme is published; later changes will be marked."))
    return redirect("programme:detail", pk=pk)


def _chosen_day(days: list[Day], wanted: str | None) -> Day | None:
    if wanted:
        try:
            date = dt.date.fromisoformat(wanted)
        except ValueError:
            date = None
        for day in days:
            if day.date == date:
                return day
    today = timezone.localdate()
    return next((d for d in days if d.date == today), days[0] if days else None)


@login_required
@require_GET
@domain_errors
def conference_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The agenda, one day at a time (?day=YYYY-MM-DD)."""
    scope = scope_for(request.user)
    conference = services.get_conference(scope, pk)
    days = services.agenda(scope, conference)
    day = _chosen_day(days, request.GET.get("day"))
    if day is not None:
        _with_recordings(scope, conference.pk, day)
    context = {
        "conference": conference,
        "days": days,
        "day": day,
        "can_edit": services.can_edit(scope),
    }
    return render(request, "programme/agenda.html", context)


def _with_recordings(scope: Scope, conference_pk: int, day: Day) -> None:
    """Each session's recordings and each topic's start in them (issue 22: catch-up)."""
    from diemcau.streaming.recordings import recordings_for_agenda

    by_session, by_topic = recordings_for_agenda(scope, conference_pk)
    for session in day.sessions.all():
        session.recordings_list = by_session.get(session.pk, [])  # type: ignore[attr-defined]
        for topic in session.topics.all():
            topic.recording_starts = by_topic.get(topic.pk, [])  # type: ignore[attr-defined]


@login_required
@require_GET
@domain_errors
def agenda_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_for(request.user)
    conference = services.get_conference(scope, pk)
    from diemcau.programme.pdf import agenda_pdf as render  # reportlab loads only when needed

    data = render(conference, services.agenda(scope, conference))
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="chuong-trinh-{conference.slug}.pdf"'
    return response


@login_required
@require_GET
@domain_errors
def agenda_ics(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_for(request.user)
    conference = services.get_conference(scope, pk)
    text = ical.agenda_ical(conference, services.agenda(scope, conference), request.get_host())
    response = HttpResponse(text.encode(), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{conference.slug}.ics"'
    return response


# -- days, sessions, speakers, topics --------------------------------------------------------
def _editor_and_conference(request: HttpRequest, pk: int) -> tuple[Scope, Conference]:
    scope = scope_for(request.user)
    services.require_editor(scope)
    return scope, services.get_conference(scope, pk)


def _to_agenda(conference_pk: int) -> Callable[[Any], HttpResponse]:
    return lambda _saved: redirect("programme:detail", pk=conference_pk)


@login_required
@domain_errors
def day_create(request: HttpRequest, pk: int) -> HttpResponse:
    scope, conference = _editor_and_conference(request, pk)
    return _edit(
        request,
        DayForm(request.POST or None),
        lambda values: services.add_day(scope, pk, values),
        _to_agenda(pk),
        _conference_context(conference, _("New day")),
    )


@login_required
@domain_errors
def session_create(request: HttpRequest, pk: int) -> HttpResponse:
    scope, conference = _editor_and_conference(request, pk)
    return _edit(
        request,
        SessionForm(request.POST or None, conference=conference),
        lambda values: services.add_session(scope, pk, values),
        _to_agenda(pk),
        _conference_context(conference, _("New session")),
    )


@login_required
@domain_errors
def session_edit(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_for(request.user)
    services.require_editor(scope)
    session = services.get_session(scope, pk)
    conference = session.day.conference
    initial = {n: getattr(session, n) for n in services.SESSION_FIELDS}
    return _edit(
        request,
        SessionForm(request.POST or None, initial=initial, conference=conference),
        lambda values: services.update_session(scope, pk, values),
        _to_agenda(conference.pk),
        _conference_context(conference, _("Edit session")),
    )


@login_required
@domain_errors
def speaker_create(request: HttpRequest, pk: int) -> HttpResponse:
    scope, conference = _editor_and_conference(request, pk)
    return _edit(
        request,
        SpeakerForm(request.POST or None),
        lambda values: services.add_speaker(scope, values),
        _to_agenda(pk),
        _conference_context(conference, _("New speaker")),
    )


@login_required
@domain_errors
def topic_create(request: HttpRequest, pk: int) -> HttpResponse:
    scope, conference = _editor_and_conference(request, pk)
    return _edit(
        request,
        TopicForm(request.POST or None, conference=conference),
        lambda values: services.add_topic(scope, pk, values),
        lambda topic: redirect("programme:topic", pk=topic.pk),
        _conference_context(conference, _("New topic")),
    )


@login_required
@domain_errors
def topic_edit(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_for(request.user)
    services.require_editor(scope)
    topic = services.get_topic(scope, pk)
    conference = topic.session.day.conference
    initial = {n: getattr(topic, n) for n in services.TOPIC_FIELDS}
    initial["speakers"] = list(topic.speakers.all())
    return _edit(
        request,
        TopicForm(request.POST or None, initial=initial, conference=conference),
        lambda values: services.update_topic(scope, pk, values),
        lambda saved: redirect("programme:topic", pk=saved.pk),
        _conference_context(conference, _("Edit topic")),
    )


@login_required
@require_POST
@domain_errors
def topic_move(request: HttpRequest, pk: int) -> HttpResponse:
    step = -1 if request.POST.get("direction") == "up" else 1
    topic = services.move_topic(scope_for(request.user), pk, step)
    url = reverse("programme:detail", kwargs={"pk": topic.session.day.conference_id})
    return redirect(f"{url}?day={topic.session.day.date:%Y-%m-%d}")


@login_required
@require_GET
@domain_errors
def topic_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_for(request.user)
    topic = services.get_topic(scope, pk)
    context = {
        "topic": topic,
        "conference": topic.session.day.conference,
        "can_edit": services.can_edit(scope),
        "form": MaterialForm() if services.can_edit(scope) else None,
        "sites": list(visible_sites(scope).order_by("code")[:50]),
    }
    return render(request, "programme/topic.html", context)


# -- materials ------------------------------------------------------------------------------
@login_required
@require_POST
@domain_errors
def material_upload(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_for(request.user)
    services.require_editor(scope)
    topic = services.get_topic(scope, pk)
    form = MaterialForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            material = materials.upload_material(
                scope,
                pk,
                form.cleaned_data["file"],
                title=form.cleaned_data["title"],
                material_pk=form.cleaned_data.get("replace"),
            )
        except Invalid as exc:
            form.add_invalid(exc)
        else:
            messages.success(
                request,
                _("“%(name)s” was uploaded (version %(version)d).")
                % {"name": material.title, "version": material.version},
            )
            return redirect("programme:topic", pk=pk)
    context = {
        "topic": topic,
        "conference": topic.session.day.conference,
        "can_edit": True,
        "form": form,
        "sites": [],
    }
    return render(request, "programme/topic.html", context, status=422)


@login_required
@require_GET
@domain_errors
def material_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Organisers: downloads per site and the sites (in their scope) still missing it."""
    scope = scope_for(request.user)
    material = materials.get_material(scope, pk)
    missing = materials.sites_missing(scope, pk)
    context = {
        "material": material,
        "conference": material.topic.session.day.conference,
        "downloaded": materials.download_counts(scope, pk),
        "missing": list(missing[:MISSING_SHOWN]),
        "missing_total": missing.count(),
    }
    return render(request, "programme/material.html", context)


@login_required
@require_GET
def material_download(request: HttpRequest, pk: int) -> HttpResponseBase:
    """Stream a material to a site of the caller's scope (?site=CODE); the download is counted."""
    try:
        material, handle = materials.download_material(
            scope_for(request.user), pk, request.GET.get("site", "")
        )
    except Invalid as exc:
        return HttpResponseBadRequest(exc.message)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except Forbidden as exc:
        raise PermissionDenied(exc.message) from exc
    return FileResponse(
        handle,
        as_attachment=True,
        filename=material.filename,
        content_type=materials.CONTENT_TYPES[material.kind],
    )

"""The audit trail's pages: the searchable list, one entry, and the XLSX of the search.

Thin: the scope and the search are `services.visible_entries`; a person who may not read the
trail gets 403 on the list, an entry outside their scope is 404.
"""

import datetime as dt
from io import BytesIO

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from diemcau.accounts.scopes import Scope, scope_for
from diemcau.audit import exporting, services
from diemcau.errors import Forbidden
from diemcau.web.errors import domain_errors

PER_PAGE = 50


def parse_date(text: str | None) -> dt.date | None:
    """2025-06-14 (a date field) or 14/6/2025 (typed); anything else is ignored."""
    text = (text or "").strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def filters_from(request: HttpRequest) -> services.EntryFilters:
    get = request.GET

    def text(name: str) -> str | None:
        return get.get(name, "").strip()[:200] or None

    return services.EntryFilters(
        actor=text("actor"),
        type=text("type"),
        unit=text("unit"),
        action=text("action"),
        date_from=parse_date(get.get("from")),
        date_to=parse_date(get.get("to")),
        q=text("q"),
    )


def _reader(request: HttpRequest) -> Scope:
    scope = scope_for(request.user)
    if not services.can_read(scope):
        raise Forbidden(_("Only organisers read the audit trail."))
    return scope


@require_GET
@login_required
@domain_errors
def entry_list(request: HttpRequest) -> HttpResponse:
    scope = _reader(request)
    filters = filters_from(request)
    entries = services.visible_entries(scope, filters)
    page = Paginator(entries, PER_PAGE).get_page(request.GET.get("page"))
    names: dict[tuple[str, str], str] = {}
    rows = [
        {
            "entry": e,
            "when": services.local_time(e),
            "who": services.actor_label(e),
            "action": services.action_label(e),
            "type": services.subject_label(e.subject),
            "changes": services.changes(e, names),
            "counts": services.counts(e),
        }
        for e in page
    ]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "audit/list.html",
        {
            "page": page,
            "rows": rows,
            "filters": filters,
            "date_from": request.GET.get("from", ""),
            "date_to": request.GET.get("to", ""),
            "types": services.type_choices(),
            "actions": services.action_choices(),
            "export_query": query.urlencode(),
        },
    )


@require_GET
@login_required
@domain_errors
def entry_detail(request: HttpRequest, entry_id: int) -> HttpResponse:
    scope = _reader(request)
    entry = services.get_entry(scope, entry_id)
    return render(
        request,
        "audit/detail.html",
        {
            "entry": entry,
            "when": services.local_time(entry),
            "who": services.actor_label(entry),
            "action": services.action_label(entry),
            "type": services.subject_label(entry.subject),
            "changes": services.changes(entry),
            "counts": services.counts(entry),
        },
    )


@require_GET
@login_required
@domain_errors
def entry_export(request: HttpRequest) -> HttpResponse:
    scope = _reader(request)
    out = BytesIO()
    rows = exporting.write_xlsx(services.visible_entries(scope, filters_from(request)), out)
    services.record_event("export", "audit", unit=scope, counts={"rows": rows})
    response = HttpResponse(out.getvalue(), content_type=exporting.CONTENT_TYPE)
    name = f"nhat-ky-thay-doi-{timezone.localdate():%Y%m%d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response

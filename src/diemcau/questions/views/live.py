"""The live top list of a session: the most widely asked clusters, refreshed every few seconds.

Read-only and cheap (one ranked page of ten), so organisers and viewers may leave it open on a
wall screen through the whole session.
"""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from diemcau.accounts.scopes import scope_for
from diemcau.programme.models import Session
from diemcau.questions import services
from diemcau.questions.views.common import can_watch_live, require

LIVE_TOP = 10
LIVE_REFRESH_S = 5


def _live_context(request: HttpRequest, session_id: int) -> dict[str, Any]:
    scope = scope_for(request.user)
    require(can_watch_live(scope), _("Only organisers and viewers follow the live questions."))
    session = Session.objects.select_related("day").filter(pk=session_id).first()
    if session is None:
        raise Http404(_("Session %(id)s not found.") % {"id": session_id})
    clusters = services.ranked_page(
        services.visible_clusters(scope, session=session_id), 0, LIVE_TOP
    )
    return {"session": session, "clusters": clusters, "refresh_s": LIVE_REFRESH_S}


@login_required
@require_GET
def live(request: HttpRequest, session_id: int) -> HttpResponse:
    return render(request, "questions/live.html", _live_context(request, session_id))


@login_required
@require_GET
def live_top(request: HttpRequest, session_id: int) -> HttpResponse:
    """The list alone, fetched by the live page every few seconds."""
    return render(request, "questions/live_top.html", _live_context(request, session_id))

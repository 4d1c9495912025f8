"""The merge proposals page: clusters that look like one question, each merged with one button.

Organisers only. The list is the stored batch of services.merge_offers (computed by a background
task, "Tính lại", or queued by this page once the batch is old: services.merge_refresh), narrowed
to what the organiser may merge; the merge button posts to the
ordinary merge form (views.moderation.merge), so accepting is exactly a moderator's merge, with
its checks and its lesson, and comes back here. "Không gộp" dismisses a pair (undone below the
list).
"""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from diemcau.accounts.scopes import Scope, scope_for
from diemcau.questions.services import merge_offers, merge_refresh
from diemcau.questions.views.common import can_moderate, require
from diemcau.web.errors import domain_errors

SHOWN = 50
ViewFn = Callable[[HttpRequest, int, int], HttpResponse]


@login_required
@require_GET
def merge_proposals(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    require(can_moderate(scope), _("Only organisers moderate questions."))
    stored = merge_offers.stored_offers(scope, SHOWN)
    return render(
        request,
        "questions/merge_proposals.html",
        {"stored": stored, "refreshing": merge_refresh.refreshing(stored.batch, stored.outdated)},
    )


@login_required
@require_POST
@domain_errors
def compute(request: HttpRequest) -> HttpResponse:
    """Recompute in the background; the task's page shows the progress, then links back."""
    scope = scope_for(request.user)
    require(can_moderate(scope), _("Only organisers moderate questions."))
    task = merge_offers.start_compute(scope, request.user.pk)
    return redirect("tasks:detail", task_id=task.pk)


def _pair_view(act: Callable[[Scope, Any, int, int], object], done: str | Promise) -> ViewFn:
    """A form button on one pair ("Không gộp", its undo): the act with the merge's own checks,
    in its order (404 outside the read scope, then 403), its message, back to the list."""

    @login_required
    @require_POST
    @domain_errors
    def view(request: HttpRequest, target: int, source: int) -> HttpResponse:
        act(scope_for(request.user), request.user, target, source)
        messages.success(request, str(done))  # in the request's language
        return redirect("questions:merge_proposals")

    return view


dismiss = _pair_view(
    merge_offers.dismiss, gettext_lazy("Not merged: this pair is no longer proposed.")
)
restore = _pair_view(merge_offers.restore, gettext_lazy("The pair is proposed again."))

"""The merge proposals page: clusters that look like one question, each merged with one button.

Organisers only. The list is the batch look of services.merge_offers, narrowed to what the
organiser may merge; the button posts to the ordinary merge form (views.moderation.merge), so
accepting is exactly a moderator's merge, with its checks and its lesson, and comes back here.
"""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from diemcau.accounts.scopes import scope_for
from diemcau.questions.services.merge_offers import merge_offers
from diemcau.questions.views.common import can_moderate, require

SHOWN = 50


@login_required
@require_GET
def merge_proposals(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    require(can_moderate(scope), _("Only organisers moderate questions."))
    return render(request, "questions/merge_proposals.html", {"offers": merge_offers(scope, SHOWN)})

"""Moderation pages: the ranked cluster list, one cluster, and its route/merge/split/reject forms.

Organisers only; a cluster reaching beyond the organiser's units is shown but locked, and the
services refuse (403) any change touching a question outside them.
"""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.html import format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from diemcau.accounts.scopes import scope_for
from diemcau.questions import access, services
from diemcau.questions.forms import FilterForm
from diemcau.questions.models import Cluster, Sector
from diemcau.questions.services.listing import ranks_on_tallies
from diemcau.questions.views.common import (
    STATUS_LABELS,
    can_moderate,
    cluster_rows,
    cluster_write,
    require,
)
from diemcau.web.errors import domain_errors


@login_required
@require_GET
def moderate(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    require(can_moderate(scope), _("Only organisers moderate questions."))
    statuses = [(v, label) for v, label in STATUS_LABELS if v in services.CLUSTER_STATES]
    sectors = list(services.sectors())  # one query for the filter and the route forms
    form = FilterForm(request.GET, statuses=statuses, sectors=sectors)
    filters = services.QuestionFilters(**form.values())
    clusters = services.moderation_clusters(scope, filters)
    page, rows = cluster_rows(
        request, scope, clusters, count_with_page=ranks_on_tallies(scope, filters)
    )
    options = _SectorOptions(sectors)
    for cluster, _qs in rows:
        cluster.sector_options = options.of(cluster)
    context = {
        "form": form,
        "page": page,
        "rows": rows,
        "sectors": sectors,
        "locked": services.beyond_moderation(scope, [c.pk for c, _qs in rows]),
    }
    return render(request, "questions/moderate.html", context)


class _SectorOptions:
    """The route form's <option>s, made once per selected sector instead of once per row: the
    template loop over 16 sectors for 20 clusters was a third of the page's time."""

    def __init__(self, sectors: list[Sector]) -> None:
        self.sectors = sectors
        self.made: dict[int | None, SafeString] = {}

    def of(self, cluster: Cluster) -> SafeString:
        chosen = cluster.sector or cluster.proposed_sector
        key = chosen.pk if chosen is not None else None
        if key not in self.made:
            self.made[key] = format_html_join(
                "",
                '<option value="{}"{}>{}</option>',
                ((s.code, " selected" if s.pk == key else "", s.name) for s in self.sectors),
            )
        return self.made[key]


@login_required
@require_GET
@domain_errors
def cluster_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_for(request.user)
    cluster = services.get_cluster(scope, pk)
    questions = list(services.cluster_questions(scope, cluster))
    moderator = can_moderate(scope) and access.can_moderate_all(scope, cluster.questions.all())
    sector = cluster.sector.code if cluster.sector is not None else None
    context = {
        "cluster": cluster,
        "questions": questions,
        "answer": services.shown_answer(scope, cluster),
        "can_moderate": moderator,
        "can_answer": sector is not None and access.can_answer(scope, sector),
        "suggestions": services.suggestions(scope, pk) if moderator else [],
        "sectors": list(services.sectors()),
    }
    return render(request, "questions/cluster_detail.html", context)


@login_required
@require_POST
@domain_errors
def route(request: HttpRequest, pk: int) -> HttpResponse:
    sector = request.POST.get("sector", "")
    return cluster_write(
        request,
        pk,
        lambda scope: services.route_cluster(scope, request.user, pk, sector),
        _("The route was confirmed."),
    )


@login_required
@require_POST
@domain_errors
def merge(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        other = int(request.POST.get("other", ""))
    except ValueError:
        other = 0
    return cluster_write(
        request,
        pk,
        lambda scope: services.merge_clusters(scope, pk, other),
        _("The clusters were merged."),
    )


@login_required
@require_POST
@domain_errors
def split(request: HttpRequest, pk: int) -> HttpResponse:
    ids = [int(v) for v in request.POST.getlist("questions") if v.isdigit()]
    return cluster_write(
        request,
        pk,
        lambda scope: services.split_questions(scope, pk, ids),
        _("The questions were split into a new cluster."),
    )


@login_required
@require_POST
@domain_errors
def reject(request: HttpRequest, question_id: int) -> HttpResponse:
    scope = scope_for(request.user)
    question = services.get_question(scope, question_id)
    reason = request.POST.get("reason", "")
    return cluster_write(
        request,
        question.cluster_id or 0,
        lambda scope: services.reject_question(scope, question_id, reason),
        _("The question was rejected."),
    )

"""Sector answering pages: the queue of routed clusters, the answer form, publishing.

Only the sector a cluster is routed to (or central) may open its answer form; others get 403
even when they may read the cluster.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from diemcau.accounts.scopes import Scope, scope_for
from diemcau.errors import Invalid
from diemcau.questions import access, services
from diemcau.questions.forms import AnswerForm, FilterForm
from diemcau.questions.models import Cluster, QuestionStatus
from diemcau.questions.views.common import (
    ANSWER_STATES,
    can_answer_some,
    cluster_rows,
    cluster_write,
    require,
)
from diemcau.web.errors import domain_errors


@login_required
@require_GET
def answer_queue(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    require(can_answer_some(scope), _("Only sector answerers answer questions."))
    sectors = services.sectors(active_only=False)
    if not scope.everything:
        sectors = sectors.filter(code__in=sorted(scope.sectors))
    data = request.GET.copy()
    data.setdefault("status", QuestionStatus.ROUTED.value)
    form = FilterForm(data, statuses=ANSWER_STATES, sectors=list(sectors))
    filters = services.QuestionFilters(**form.values())
    clusters = services.moderation_clusters(scope, filters, answering=True)
    page, rows = cluster_rows(request, scope, clusters)
    return render(
        request, "questions/answer_queue.html", {"form": form, "page": page, "rows": rows}
    )


def _answerable(scope: Scope, pk: int) -> Cluster:
    cluster = services.get_cluster(scope, pk)
    sector = cluster.sector.code if cluster.sector is not None else None
    require(
        sector is not None and access.can_answer(scope, sector),
        _("Only the sector the question is routed to may answer it."),
    )
    return cluster


@login_required
@domain_errors
def answer(request: HttpRequest, pk: int) -> HttpResponse:
    """Write (or rewrite) the cluster's answer; publishing is the second button."""
    scope = scope_for(request.user)
    cluster = _answerable(scope, pk)
    existing = getattr(cluster, "answer", None)
    status = 200
    if request.method == "POST":
        form = AnswerForm(request.POST)
        if form.is_valid():
            try:
                services.answer_cluster(
                    scope, request.user, pk, form.cleaned_data["text"], form.references()
                )
                if "publish" in request.POST:
                    services.publish_answer(scope, pk)
            except Invalid as exc:
                form.add_invalid(exc)
            else:
                done = _("The answer was published.") if "publish" in request.POST else None
                messages.success(request, done or _("The answer was saved."))
                return redirect("questions:answer", pk=pk)
        status = 422
    elif existing is not None:
        refs = "\n".join(existing.legal_references)
        form = AnswerForm(initial={"text": existing.text, "legal_references": refs})
    else:
        form = AnswerForm()
    context = {
        "cluster": cluster,
        "answer": existing,
        "form": form,
        "questions": list(services.cluster_questions(scope, cluster)),
    }
    return render(request, "questions/answer_form.html", context, status=status)


@login_required
@require_POST
@domain_errors
def publish(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_for(request.user)
    _answerable(scope, pk)
    return cluster_write(
        request,
        pk,
        lambda scope: services.publish_answer(scope, pk),
        _("The answer was published."),
    )

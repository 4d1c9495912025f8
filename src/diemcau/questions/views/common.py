"""What the question pages share: who may open which page, status labels, paging, write-backs.

Views stay thin: reads go through `services.visible_*`/`get_*` (404 outside the read scope) and
writes through the same service functions as the API (403 outside the write scope). A role that
has no business on a page at all (a site operator on the moderation page) gets 403.
"""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy

from diemcau.accounts.scopes import Scope, scope_for
from diemcau.errors import Invalid
from diemcau.questions import access, services
from diemcau.questions.models import Cluster, QuestionStatus

PER_PAGE = 50
CLUSTERS_PER_PAGE = 20
QUESTIONS_SHOWN = 5  # per cluster in lists; the cluster page shows them all
# The model's labels carry the "question status" context: a bare "New" is another
# catalogue's "add new" button.
STATUS_LABELS = list(QuestionStatus.choices)
ANSWER_STATES = [
    (QuestionStatus.ROUTED.value, gettext_lazy("To answer")),
    (QuestionStatus.ANSWERED.value, gettext_lazy("Answered, not published")),
    (QuestionStatus.PUBLISHED.value, QuestionStatus.PUBLISHED.label),
]


# -- who may open which page ------------------------------------------------------------------
def can_moderate(scope: Scope) -> bool:
    return access.question_moderate_q(scope) is not None


def can_answer_some(scope: Scope) -> bool:
    return scope.everything or bool(scope.sectors)


def can_watch_live(scope: Scope) -> bool:
    return can_moderate(scope) or scope.reads_everything or bool(scope.viewer_units)


def require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


# -- paging and going back --------------------------------------------------------------------
def back(request: HttpRequest, fallback: str) -> HttpResponse:
    """Return to the page the form was on (a safe, local `next`), else to `fallback`."""
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return redirect(target)
    return redirect(fallback)


def page_of(request: HttpRequest, items: Any, per_page: int) -> Any:
    return Paginator(items, per_page).get_page(request.GET.get("page"))


class Ranked:
    """A ranked cluster list as the paginator sees it: a cheap count, a page computed alone."""

    def __init__(self, clusters: QuerySet[Cluster]) -> None:
        self.clusters = clusters

    def count(self) -> int:
        return services.count_clusters(self.clusters)

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, window: slice) -> list[Cluster]:
        return services.ranked_page(
            self.clusters, window.start or 0, window.stop - (window.start or 0)
        )


def cluster_rows(request: HttpRequest, scope: Scope, clusters: Any) -> tuple[Any, list[Any]]:
    page = page_of(request, Ranked(clusters), CLUSTERS_PER_PAGE)
    questions = services.questions_of(scope, [c.pk for c in page], per_cluster=QUESTIONS_SHOWN)
    return page, [(c, questions[c.pk]) for c in page]


def cluster_write(
    request: HttpRequest, pk: int, action: Callable[[Scope], object], done: str
) -> HttpResponse:
    """Run one cluster service; a wrong input comes back as a message, 403/404 as pages.

    Back to the form's page, else to the cluster — or to the moderation list when the cluster
    is gone for the user (its last question rejected).
    """
    scope = scope_for(request.user)
    try:
        action(scope)
    except Invalid as exc:
        messages.error(request, "; ".join([exc.message, *exc.fields.values()]))
    else:
        messages.success(request, done)
    if services.visible_clusters(scope).filter(pk=pk).exists():
        return back(request, reverse("questions:cluster", args=[pk]))
    return back(request, reverse("questions:moderate"))

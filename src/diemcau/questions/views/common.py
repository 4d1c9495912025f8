"""What the question pages share: who may open which page, status labels, paging, write-backs.

Views stay thin: reads go through `services.visible_*`/`get_*` (404 outside the read scope) and
writes through the same service functions as the API (403 outside the write scope). A role that
has no business on a page at all (a site operator on the moderation page) gets 403.
"""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy

from diemcau.accounts.scopes import Scope, scope_for
from diemcau.errors import Invalid
from diemcau.questions import access, services
from diemcau.questions.models import QuestionStatus
from diemcau.questions.services.listing import cluster_page

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


class _Counted(Paginator):
    """A paginator told its total instead of counting: the rows brought it with them."""

    def __init__(self, rows: list[Any], per_page: int, total: int) -> None:
        super().__init__(rows, per_page)
        self.total = total

    @cached_property
    def count(self) -> int:
        return self.total


def counted_page(
    request: HttpRequest,
    per_page: int,
    fetch: Callable[[int, int], tuple[list[Any], int | None]],
    count: Callable[[], int],
) -> Page:
    """The requested page from `fetch(offset, limit)`: its rows and, when the same query could
    carry it (COUNT(*) OVER ()), the list's length, one round trip instead of two. Else (None,
    also past the end where no row carries it) `count()`; past the end, the last page, as
    Paginator.get_page does."""
    try:
        number = max(1, int(request.GET.get("page") or 1))
    except ValueError:
        number = 1
    rows, total = fetch((number - 1) * per_page, per_page)
    if total is None:
        total = count()
        last = max(1, -(-total // per_page))
        if number > last:
            number = last
            rows, _total = fetch((number - 1) * per_page, per_page)
    return Page(rows, number, _Counted(rows, per_page, total))


def cluster_rows(
    request: HttpRequest, scope: Scope, clusters: Any, *, count_with_page: bool = False
) -> tuple[Any, list[Any]]:
    """A page of ranked clusters with their first questions; `count_with_page` when the list
    ranks on the tallies alone (`services.listing.ranks_on_tallies`)."""
    questions: dict[int, list[Any]] = {}

    def fetch(offset: int, limit: int) -> tuple[list[Any], int | None]:
        rows, total, first = cluster_page(
            scope,
            clusters,
            offset,
            limit,
            per_cluster=QUESTIONS_SHOWN,
            count_with_page=count_with_page,
        )
        questions.update(first)
        return rows, total

    page = counted_page(
        request, CLUSTERS_PER_PAGE, fetch, lambda: services.count_clusters(clusters)
    )
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

"""Question pages: a site's questions, moderation, sector answering, live top list, sectors,
and the public knowledge base (the only pages without sign-in).

Views stay thin: reads go through `services.visible_*`/`get_*` (404 outside the read scope) and
writes through the same service functions as the API (403 outside the write scope). A role that
has no business on a page at all (a site operator on the moderation page) gets 403.
"""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_GET, require_POST

from diemcau.accounts.scopes import Scope, scope_for
from diemcau.errors import Invalid
from diemcau.programme.models import Session
from diemcau.questions import access, services
from diemcau.questions.forms import (
    SITE_CHOICES_LIMIT,
    AnswerForm,
    AskForm,
    FilterForm,
    SectorForm,
)
from diemcau.questions.models import Cluster, QuestionStatus
from diemcau.sites.models import Site
from diemcau.units.models import Level
from diemcau.web.errors import domain_errors

PER_PAGE = 50
CLUSTERS_PER_PAGE = 20
QUESTIONS_SHOWN = 5  # per cluster in lists; the cluster page shows them all
LIVE_TOP = 10
LIVE_REFRESH_S = 5
# Status names with a context: a bare "New" is another catalogue's "add new" button.
STATUS_LABELS = [
    (QuestionStatus.NEW.value, pgettext_lazy("question status", "New")),
    (QuestionStatus.ROUTED.value, pgettext_lazy("question status", "Routed")),
    (QuestionStatus.ANSWERED.value, pgettext_lazy("question status", "Answered")),
    (QuestionStatus.PUBLISHED.value, pgettext_lazy("question status", "Published")),
    (QuestionStatus.REJECTED.value, pgettext_lazy("question status", "Rejected")),
]
ANSWER_STATES = [
    (QuestionStatus.ROUTED.value, gettext_lazy("To answer")),
    (QuestionStatus.ANSWERED.value, gettext_lazy("Answered, not published")),
    (QuestionStatus.PUBLISHED.value, pgettext_lazy("question status", "Published")),
]


# -- who may open which page ------------------------------------------------------------------
def can_moderate(scope: Scope) -> bool:
    return access.question_moderate_q(scope) is not None


def can_answer_some(scope: Scope) -> bool:
    return scope.everything or bool(scope.sectors)


def can_watch_live(scope: Scope) -> bool:
    return can_moderate(scope) or scope.reads_everything or bool(scope.viewer_units)


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def _back(request: HttpRequest, fallback: str) -> HttpResponse:
    """Return to the page the form was on (a safe, local `next`), else to `fallback`."""
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return redirect(target)
    return redirect(fallback)


def _page(request: HttpRequest, items: Any, per_page: int) -> Any:
    return Paginator(items, per_page).get_page(request.GET.get("page"))


# -- a site's questions -----------------------------------------------------------------------
def _writable_sites(scope: Scope) -> list[Site] | None:
    """Sites to offer in the ask form: [] for none, None when too many to list."""
    write_q = scope.site_write_q()
    if write_q is None:
        return []
    sites = list(Site.objects.filter(write_q).order_by("code")[: SITE_CHOICES_LIMIT + 1])
    return None if len(sites) > SITE_CHOICES_LIMIT else sites


def _question_list(request: HttpRequest, form: AskForm | None, status: int = 200) -> HttpResponse:
    scope = scope_for(request.user)
    get = request.GET
    chosen = get.get("status", "")
    filters = services.QuestionFilters(
        site=get.get("site", "").strip() or None,
        status=chosen if chosen in QuestionStatus.values else None,
        q=get.get("q", "").strip() or None,
    )
    page = _page(request, services.visible_questions(scope, filters), PER_PAGE)
    return render(
        request,
        "questions/question_list.html",
        {"page": page, "filters": filters, "statuses": STATUS_LABELS, "form": form},
        status=status,
    )


@login_required
@require_GET
def question_list(request: HttpRequest) -> HttpResponse:
    sites = _writable_sites(scope_for(request.user))
    form = AskForm(sites=sites) if sites != [] else None
    return _question_list(request, form)


@login_required
@require_POST
@domain_errors
def ask(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    sites = _writable_sites(scope)
    _require(sites != [], _("Only the operators and organisers of a site may send its questions."))
    form = AskForm(request.POST, sites=sites)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.create_question(
                scope,
                request.user,
                site=data["site"],
                text=data["text"],
                asker_name=data["asker_name"],
                session=data["session"],
                topic=data["topic"],
            )
        except Invalid as exc:
            form.add_invalid(exc)
        else:
            messages.success(request, _("Your question was sent."))
            return redirect("questions:list")
    return _question_list(request, form, status=422)


# -- moderation -------------------------------------------------------------------------------
class _Ranked:
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


def _cluster_rows(request: HttpRequest, scope: Scope, clusters: Any) -> tuple[Any, list[Any]]:
    page = _page(request, _Ranked(clusters), CLUSTERS_PER_PAGE)
    questions = services.questions_of(scope, [c.pk for c in page], per_cluster=QUESTIONS_SHOWN)
    return page, [(c, questions[c.pk]) for c in page]


@login_required
@require_GET
def moderate(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    _require(can_moderate(scope), _("Only organisers moderate questions."))
    statuses = [(v, label) for v, label in STATUS_LABELS if v in services.CLUSTER_STATES]
    form = FilterForm(request.GET, statuses=statuses, sectors=list(services.sectors()))
    filters = services.QuestionFilters(**form.values())
    page, rows = _cluster_rows(request, scope, services.moderation_clusters(scope, filters))
    context = {
        "form": form,
        "page": page,
        "rows": rows,
        "sectors": list(services.sectors()),
        "locked": services.beyond_moderation(scope, [c.pk for c, _qs in rows]),
    }
    return render(request, "questions/moderate.html", context)


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
        "answer": getattr(cluster, "answer", None),
        "can_moderate": moderator,
        "can_answer": sector is not None and access.can_answer(scope, sector),
        "suggestions": services.suggestions(scope, pk) if moderator else [],
        "sectors": list(services.sectors()),
    }
    return render(request, "questions/cluster_detail.html", context)


def _moderation_write(request: HttpRequest, pk: int, action: Any, done: str) -> HttpResponse:
    """Run one moderation service; a wrong input comes back as a message, 403/404 as pages.

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
        return _back(request, reverse("questions:cluster", args=[pk]))
    return _back(request, reverse("questions:moderate"))


@login_required
@require_POST
@domain_errors
def route(request: HttpRequest, pk: int) -> HttpResponse:
    sector = request.POST.get("sector", "")
    return _moderation_write(
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
    return _moderation_write(
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
    return _moderation_write(
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
    return _moderation_write(
        request,
        question.cluster_id or 0,
        lambda scope: services.reject_question(scope, question_id, reason),
        _("The question was rejected."),
    )


# -- answering --------------------------------------------------------------------------------
@login_required
@require_GET
def answer_queue(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    _require(can_answer_some(scope), _("Only sector answerers answer questions."))
    sectors = services.sectors(active_only=False)
    if not scope.everything:
        sectors = sectors.filter(code__in=sorted(scope.sectors))
    data = request.GET.copy()
    data.setdefault("status", QuestionStatus.ROUTED.value)
    form = FilterForm(data, statuses=ANSWER_STATES, sectors=list(sectors))
    filters = services.QuestionFilters(**form.values())
    clusters = services.moderation_clusters(scope, filters, answering=True)
    page, rows = _cluster_rows(request, scope, clusters)
    return render(
        request, "questions/answer_queue.html", {"form": form, "page": page, "rows": rows}
    )


def _answerable(scope: Scope, pk: int) -> Cluster:
    cluster = services.get_cluster(scope, pk)
    sector = cluster.sector.code if cluster.sector is not None else None
    _require(
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
    return _moderation_write(
        request,
        pk,
        lambda scope: services.publish_answer(scope, pk),
        _("The answer was published."),
    )


# -- live top list for a session --------------------------------------------------------------
def _live_context(request: HttpRequest, session_id: int) -> dict[str, Any]:
    scope = scope_for(request.user)
    _require(can_watch_live(scope), _("Only organisers and viewers follow the live questions."))
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


# -- the sector list --------------------------------------------------------------------------
@login_required
@domain_errors
def sector_list(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    _require(scope.everything, _("Only central organisers may edit the sector list."))
    status = 200
    if request.method == "POST":
        form = SectorForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                sector = services.create_sector(
                    scope, data["code"], data["name"], data["keywords"], data["order"]
                )
            except Invalid as exc:
                form.add_invalid(exc)
            else:
                messages.success(request, _("Sector “%(name)s” was added.") % {"name": sector})
                return redirect("questions:sectors")
        status = 422
    else:
        form = SectorForm()
    sectors = services.sectors(active_only=False)
    return render(
        request, "questions/sector_list.html", {"form": form, "sectors": sectors}, status=status
    )


@login_required
@domain_errors
def sector_edit(request: HttpRequest, code: str) -> HttpResponse:
    scope = scope_for(request.user)
    _require(scope.everything, _("Only central organisers may edit the sector list."))
    sector = services.get_sector(scope, code)
    status = 200
    if request.method == "POST":
        form = SectorForm(request.POST, with_code=False)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.update_sector(scope, code, data["name"], data["keywords"], data["order"])
            except Invalid as exc:
                form.add_invalid(exc)
            else:
                messages.success(
                    request, _("Sector “%(name)s” was saved.") % {"name": data["name"]}
                )
                return redirect("questions:sectors")
        status = 422
    else:
        initial = {"name": sector.name, "keywords": sector.keywords, "order": sector.order}
        form = SectorForm(initial=initial, with_code=False)
    context = {"form": form, "sector": sector}
    return render(request, "questions/sector_form.html", context, status=status)


@login_required
@require_POST
@domain_errors
def sector_active(request: HttpRequest, code: str) -> HttpResponse:
    scope = scope_for(request.user)
    _require(scope.everything, _("Only central organisers may edit the sector list."))
    sector = services.set_sector_active(scope, code, request.POST.get("active") == "1")
    done = (
        _("Sector “%(name)s” is active.")
        if sector.is_active
        else _("Sector “%(name)s” was deactivated.")
    )
    messages.success(request, done % {"name": sector.name})
    return redirect("questions:sectors")


# -- the public knowledge base ----------------------------------------------------------------
@require_GET
def kb_list(request: HttpRequest) -> HttpResponse:
    """Published answers for everyone, signed in or not: search, sector, level."""
    get = request.GET
    q = get.get("q", "").strip()
    sector = get.get("sector", "").strip()
    level = get.get("level", "")
    level = level if level in (Level.PROVINCE, Level.COMMUNE) else ""
    answers = services.public_answers(q or None, sector or None, level or None)
    context = {
        "page": _page(request, answers, PER_PAGE),
        "q": q,
        "sector": sector,
        "level": level,
        "sectors": list(services.sectors()),
        "levels": [
            (Level.PROVINCE.value, Level.PROVINCE.label),
            (Level.COMMUNE.value, Level.COMMUNE.label),
        ],
    }
    return render(request, "questions/kb_list.html", context)


@require_GET
@domain_errors
def kb_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "questions/kb_detail.html", {"answer": services.public_answer(pk)})

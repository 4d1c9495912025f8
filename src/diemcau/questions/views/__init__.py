"""Question pages, one module per job: a site's questions (here), moderation, answering, the
live top list, the sector list and the public knowledge base (the only pages without sign-in).

A site's own list and ask form live in the package module itself: they are the app's front
page, and `SITE_CHOICES_LIMIT` here is the one knob for how many sites the form offers.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from diemcau.accounts.scopes import Scope, scope_for
from diemcau.errors import Invalid
from diemcau.questions import services
from diemcau.questions.forms import SITE_CHOICES_LIMIT, AskForm
from diemcau.questions.models import QuestionStatus
from diemcau.questions.views.common import PER_PAGE, STATUS_LABELS, page_of, require
from diemcau.sites.models import Site
from diemcau.web.errors import domain_errors


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
    page = page_of(request, services.visible_questions(scope, filters), PER_PAGE)
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
    require(sites != [], _("Only the operators and organisers of a site may send its questions."))
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

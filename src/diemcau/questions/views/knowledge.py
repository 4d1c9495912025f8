"""The public knowledge base pages: published answers for everyone, signed in or not.

No sign-in, so nothing here names an asker or a site; an unpublished answer is a 404.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from diemcau.questions import services
from diemcau.questions.services.knowledge import public_page
from diemcau.questions.views.common import PER_PAGE, counted_page
from diemcau.units.models import Level
from diemcau.web.errors import domain_errors


@require_GET
def kb_list(request: HttpRequest) -> HttpResponse:
    """Published answers for everyone, signed in or not: search, sector, level."""
    get = request.GET
    q = get.get("q", "").strip()
    sector = get.get("sector", "").strip()
    level = get.get("level", "")
    level = level if level in (Level.PROVINCE, Level.COMMUNE) else ""
    search = (q or None, sector or None, level or None)
    page = counted_page(
        request,
        PER_PAGE,
        lambda offset, limit: public_page(*search, offset=offset, limit=limit),
        lambda: services.public_answers(*search).count(),
    )
    context = {
        "page": page,
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

"""Completion rates API (/api/v1/completion): the roll-up under a node and its Excel export.

Thin: the node and the conference are resolved by the services, which also apply the scope
(a province organiser reads their province; another province is 404).
"""

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Router

from diemcau.accounts.scopes import scope_for
from diemcau.assessment.access import current_conference_id
from diemcau.assessment.completion import exporting, status
from diemcau.assessment.completion import rollup as completion_rollup

router = Router()
# Mounted under /api/v1/assessment (the older address of the same figures per unit).
rates_router = Router()


@router.get("")
def get_completion_rollup(
    request: HttpRequest, unit: str | None = None, conference: int | None = None
) -> dict[str, Any]:
    """Completion under `unit` (by default the caller's own unit, the nation for the centre)
    for `conference` (by default the newest one with an assessment): totals, one row per
    child unit or site, and the figures by the level of the sites' units. Rates are
    completed / delegates; `pending_sites` counts sites whose figures are being recounted."""
    conference_id = conference or current_conference_id()
    return completion_rollup.rollup(scope_for(request.user), conference_id, unit)


@router.get("/export.xlsx")
def export_completion(
    request: HttpRequest, unit: str | None = None, conference: int | None = None
) -> HttpResponse:
    """The same figures in Excel: a sheet per level (provinces, communes and bodies, sites,
    levels)."""
    scope = scope_for(request.user)
    conference_id = conference or current_conference_id()
    node = completion_rollup.resolve_unit(scope, unit)
    content = exporting.to_xlsx(scope, conference_id, node.code)
    response = HttpResponse(content, content_type=exporting.CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="hoan-thanh-{node.code}.xlsx"'
    return response


@rates_router.get("/completion")
def completion_rates(
    request: HttpRequest, unit: str | None = None, conference: int | None = None
) -> dict[str, Any]:
    """Completion under `unit` (the whole country by default) for `conference` (by default
    the newest one with a quiz or learning report)."""
    conference_id = conference or current_conference_id()
    return status.rates(scope_for(request.user), conference_id, unit)

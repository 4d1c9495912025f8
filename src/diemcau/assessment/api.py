"""Assessment API (/api/v1/assessment): the conference's settings, and each sub-package's router.

Thin wrappers: every decision is in the services, scoped by accounts.scopes. The organisers'
endpoints of the quiz bank, the learning reports, certificates, completion and the delegates'
links live in their sub-packages' `api.py`; the delegate's own side is mounted at `/me`.
"""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema

from diemcau.accounts.scopes import scope_for
from diemcau.assessment import services
from diemcau.assessment.catchup.api import me_router as catchup_me_router
from diemcau.assessment.catchup.api import router as catchup_router
from diemcau.assessment.certificates.api import router as certificates_router
from diemcau.assessment.completion.api import rates_router
from diemcau.assessment.delegate.api import links_router
from diemcau.assessment.delegate.api import router as delegate_router
from diemcau.assessment.quiz.api import router as quiz_router
from diemcau.assessment.reflections.api import router as reflections_router
from diemcau.assessment.services import MAX_SETTING

router = Router()
router.add_router("/me", delegate_router)
router.add_router("/catchup/me", catchup_me_router)
router.add_router("/catchup", catchup_router)


def _number() -> Any:
    """An optional whole number of the settings: 0 up to MAX_SETTING (the services say which
    must be at least 1, and that the pass mark is a percentage)."""
    return Field(None, ge=0, le=MAX_SETTING)


class SettingsIn(Schema):
    draw_size: int | None = _number()
    time_limit_minutes: int | None = _number()
    pass_percent: int | None = _number()
    max_attempts: int | None = _number()
    opens_at: dt.datetime | None = None
    closes_at: dt.datetime | None = None
    prompts: list[str] | None = None
    min_chars: int | None = _number()
    max_chars: int | None = _number()
    report_due_at: dt.datetime | None = None
    report_max_score: int | None = _number()
    min_sessions: int | None = _number()
    require_quiz: bool | None = None
    min_report_score: int | None = _number()
    certificate_title: str | None = Field(None, max_length=200)
    signer_name: str | None = Field(None, max_length=200)
    signer_title: str | None = Field(None, max_length=200)


@router.get("/conferences/{conference_id}/settings")
def get_settings(request: HttpRequest, conference_id: int) -> dict[str, Any]:
    conf = services.read_settings(scope_for(request.user), conference_id)
    return services.settings_as_dict(conf)


@router.patch("/conferences/{conference_id}/settings")
def patch_settings(request: HttpRequest, conference_id: int, data: SettingsIn) -> dict[str, Any]:
    values = data.model_dump(exclude_unset=True)
    conf = services.update_settings(scope_for(request.user), conference_id, values)
    return services.settings_as_dict(conf)


# After this router's own routes, in the order they were registered when all lived here.
router.add_router("", quiz_router)
router.add_router("", reflections_router)
router.add_router("", certificates_router)
router.add_router("", rates_router)
router.add_router("", links_router)

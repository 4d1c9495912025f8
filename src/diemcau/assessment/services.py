"""A conference's assessment settings as organisers read and edit them (the settings page and
`/api/v1/assessment/conferences/<id>/settings`), and the largest number a setting takes.

Each capability lives in its sub-package (quiz, reflections, certificates, completion,
delegate); this module sits below them with access.py and conference_settings.py, since the
graders' endpoints read the prompts from here too.
"""

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _

from diemcau.accounts.scopes import Scope
from diemcau.assessment.access import get_conference, require_central, require_organiser
from diemcau.assessment.conference_settings import saved_settings_for, settings_for
from diemcau.assessment.models import AssessmentSettings
from diemcau.errors import Invalid

EDITABLE_SETTINGS = (
    "draw_size",
    "time_limit_minutes",
    "pass_percent",
    "max_attempts",
    "opens_at",
    "closes_at",
    "prompts",
    "min_chars",
    "max_chars",
    "report_due_at",
    "report_max_score",
    "min_sessions",
    "require_quiz",
    "min_report_score",
    "certificate_title",
    "signer_name",
    "signer_title",
)
NULLABLE = ("opens_at", "closes_at", "report_due_at", "min_report_score")
MAX_SETTING = 1_000_000  # every number of the settings is a count, a length or minutes
POSITIVE = ("draw_size", "time_limit_minutes", "max_attempts", "max_chars", "report_max_score")


def read_settings(scope: Scope, conference_id: int) -> AssessmentSettings:
    require_organiser(scope)
    get_conference(conference_id)
    return settings_for(conference_id)


def update_settings(
    scope: Scope, conference_id: int, values: Mapping[str, Any]
) -> AssessmentSettings:
    require_central(scope)
    get_conference(conference_id)
    conf = saved_settings_for(conference_id)
    changed = {k: v for k, v in values.items() if k in EDITABLE_SETTINGS}
    for key, value in changed.items():
        if value is None and key not in NULLABLE:
            raise Invalid(_("This field is required."), {key: _("This field is required.")})
    for key in POSITIVE:
        if key in changed and (changed[key] is None or int(changed[key]) < 1):
            raise Invalid(_("Must be at least 1."), {key: _("Must be at least 1.")})
    if "pass_percent" in changed and not 0 <= int(changed["pass_percent"]) <= 100:
        raise Invalid(_("The pass mark is a percentage."), {"pass_percent": "0–100"})
    if "prompts" in changed:
        changed["prompts"] = [str(p).strip() for p in changed["prompts"] or [] if str(p).strip()]
    for key, value in changed.items():
        setattr(conf, key, value)
    opens, closes = conf.opens_at, conf.closes_at
    if opens and closes and closes <= opens:
        raise Invalid(_("The quiz must close after it opens."), {"closes_at": ""})
    if conf.min_chars > conf.max_chars:
        raise Invalid(_("The minimum length exceeds the maximum."), {"min_chars": ""})
    conf.save()
    return conf


def settings_as_dict(conf: AssessmentSettings) -> dict[str, Any]:
    return {"conference": conf.conference_id, **{k: getattr(conf, k) for k in EDITABLE_SETTINGS}}

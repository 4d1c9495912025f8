"""The organiser's catch-up rule per conference: read by anyone who sees completion, set by
central organisers (the rule applies to every province alike)."""

from typing import Any

from django.utils.translation import gettext as _

from diemcau.accounts.scopes import Scope
from diemcau.assessment.access import get_conference
from diemcau.assessment.catchup.models import CatchUpRule
from diemcau.errors import Forbidden, Invalid


def rule_of(conference_id: int) -> CatchUpRule | None:
    """The rule in force, or None when watching counts for nothing."""
    rule = CatchUpRule.objects.filter(conference_id=conference_id).first()
    return rule if rule is not None and rule.enabled else None


def set_rule(
    scope: Scope, user: Any, conference_id: int, percent: int, enabled: bool
) -> CatchUpRule:
    if not scope.everything:
        raise Forbidden(_("Only central organisers set the catch-up rule."))
    get_conference(conference_id)
    if not 1 <= percent <= 100:
        message = _("The share watched must be between 1 and 100 %.")
        raise Invalid(message, {"percent": message})
    rule, _created = CatchUpRule.objects.update_or_create(
        conference_id=conference_id,
        defaults={"percent": percent, "enabled": enabled, "updated_by": user},
    )
    return rule

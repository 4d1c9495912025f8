"""`{% merge_proposals_waiting as n %}`: the moderation page's link counts the stored merge
proposals its viewer may accept, without the moderation view knowing of them."""

from typing import Any

from django import template

from diemcau.accounts.scopes import scope_for
from diemcau.questions.services.merge_offers import waiting_count

register = template.Library()


@register.simple_tag(takes_context=True)
def merge_proposals_waiting(context: dict[str, Any]) -> int:
    """Read from the stored batch (a few queries), never computed here."""
    return waiting_count(scope_for(context["request"].user))

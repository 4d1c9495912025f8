"""`{% merge_proposals_waiting as n %}`: the moderation page's link counts the stored merge
proposals its viewer may accept, without the moderation view knowing of them."""

from typing import Any

from django import template

from diemcau.accounts.scopes import scope_for
from diemcau.questions.services import merge_offers, merge_refresh

register = template.Library()


@register.simple_tag(takes_context=True)
def merge_proposals_waiting(context: dict[str, Any]) -> int:
    """Read from the stored batch (a few queries), never computed here; an old batch queues
    its recompute (merge_refresh), so the count keeps up while nobody opens the proposals."""
    stored = merge_offers.stored_offers(scope_for(context["request"].user), limit=0)
    merge_refresh.refreshing(stored.batch, stored.outdated)
    return stored.waiting

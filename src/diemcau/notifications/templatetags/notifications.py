"""{% site_messages site %}: the last messages to a site, for the site and operations pages."""

from typing import Any

from django import template

from diemcau.notifications.services import recent_for_site

register = template.Library()


@register.inclusion_tag("notifications/_site_messages.html")
def site_messages(site: Any, limit: int = 5) -> dict[str, Any]:
    return {"deliveries": recent_for_site(site, limit)}

from typing import Any

from django.http import HttpRequest

from diemcau.accounts.models import Role
from diemcau.accounts.scopes import scope_for


def roles(request: HttpRequest) -> dict[str, Any]:
    """Expose the user's scope to templates, so menus show only what the user may use."""
    scope = scope_for(getattr(request, "user", None))
    labels = dict(Role.choices)
    return {
        "scope": scope,
        "role_labels": [labels[r] for r in sorted(scope.roles) if r in labels],
        "scope_units": [u.name for u in scope.organiser_units + scope.viewer_units],
    }

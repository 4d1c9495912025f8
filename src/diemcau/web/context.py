from typing import Any

from django.http import HttpRequest

from diemcau.accounts.scopes import scope_for


def roles(request: HttpRequest) -> dict[str, Any]:
    """Expose the user's scope to templates, so menus show only what the user may use."""
    return {"scope": scope_for(getattr(request, "user", None))}

"""Turn the services' domain errors into the HTTP answers of the web UI.

Services raise `NotFound` (the object does not exist for you) and `Forbidden` (you may not change
it); a page answers them as Django's 404 and 403, rendered by the 404.html and 403.html templates.
"""

from collections.abc import Callable
from functools import wraps

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse

from diemcau.errors import Forbidden, NotFound

View = Callable[..., HttpResponse]


def domain_errors[V: View](view: V) -> V:
    """Decorate a view so NotFound becomes 404 and Forbidden becomes 403."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except NotFound as exc:
            raise Http404(exc.message) from exc
        except Forbidden as exc:
            raise PermissionDenied(exc.message) from exc

    return wrapper  # type: ignore[return-value]

"""A session opened by a site link ends when that link is reissued."""

from collections.abc import Callable

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse

from diemcau.accounts.revocation import forget_cached


class SiteLinkSessionMiddleware:
    """Log out a browser whose site link has been reissued since it opened the console.

    The session holds [site id, link version] (views_links.open_link); the site's current version
    comes from the cache (one lookup, no query, until a reissue deletes it). Reissuing also
    deletes the site account's sessions outright; this check is what still holds when a session
    outlived that (another server's stale cache, a session restored from a backup).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None)
        if session is not None:
            from diemcau.console import links  # models are ready once requests arrive

            opened = session.get(links.SESSION_KEY)
            if opened is not None and not links.session_is_current(opened):
                user_id = getattr(getattr(request, "user", None), "pk", None)
                session.flush()
                request.user = AnonymousUser()
                if user_id is not None:
                    forget_cached([user_id])  # the heartbeat fast path knew this session
        return self.get_response(request)

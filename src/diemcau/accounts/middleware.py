"""Holds sessions that still owe a second factor or a new password."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse


class SignInPolicyMiddleware:
    """Placeholder: passes every request through until its feature lands."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

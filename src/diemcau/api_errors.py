"""Every error answer of the API in one shape, in the caller's language, and in the document.

An error is `{"detail": "<message>", "fields": {"<field>": "<message>"}}`, whoever raised it: a
service (NotFound, Forbidden, Invalid), django-ninja (its own validation, authentication, a body
that is not JSON, CSRF) or Django (Http404). django-ninja's own texts are English and its
validation errors a list of pydantic records; they are turned here into the same shape with
Vietnamese messages, so that no library's English reaches a user.

The OpenAPI document gets these answers once, here, rather than on ~150 endpoints by hand:
`document_errors` adds to each operation the error statuses it can answer (401 and 429 where a
sign-in is needed, 403 and 404 where a scope applies, 404 for a path naming an object, 422 for
any input, 400 for a JSON body), all with the one `ErrorOut` schema. An operation that declares
its own body for one of these statuses (an import's report of bad rows) keeps it, as one choice
beside `ErrorOut`.
"""

from collections.abc import Callable, Mapping
from typing import Any

from django.db import DataError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, Throttled
from ninja.errors import ValidationError as NinjaValidationError
from ninja.openapi.schema import REF_TEMPLATE
from pydantic import Field

from diemcau.errors import Forbidden, Invalid, NotFound

ERROR_SCHEMA = "ErrorOut"
JSON = "application/json"


class ErrorOut(Schema):
    """An error answer: a message for people and, when the input was wrong, one per field."""

    detail: str = Field(..., description="What went wrong, in the caller's language")
    fields: dict[str, str] = Field(
        default_factory=dict, description="Field name → message, when the input was wrong"
    )


def error_body(detail: str, fields: Mapping[str, str] | None = None) -> dict[str, Any]:
    return {"detail": detail, "fields": dict(fields or {})}


# -- django-ninja's validation errors in Vietnamese ------------------------------------------
_SOURCES = {"query", "path", "body", "form", "file", "header", "cookie"}


def _field_name(loc: tuple[Any, ...]) -> str:
    """`offset` for ("query", "offset"); `name` for ("body", "payload", "name"): the body's
    parameter name is django-ninja's, not a field the caller sent."""
    parts = [str(p) for p in loc]
    if parts and parts[0] in _SOURCES:
        source, parts = parts[0], parts[1:]
        if source == "body" and len(parts) > 1:
            parts = parts[1:]
    return ".".join(parts) or "body"


def _limit(ctx: Mapping[str, Any], *keys: str) -> Any:
    for key in keys:
        if key in ctx:
            return ctx[key]
    return ""


def field_message(error: Mapping[str, Any]) -> str:
    """A pydantic error record as a sentence in the active language."""
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    simple: dict[str, Callable[[], str]] = {
        "missing": lambda: _("This field is required."),
        "int_parsing": lambda: _("Enter a whole number."),
        "int_type": lambda: _("Enter a whole number."),
        "int_from_float": lambda: _("Enter a whole number."),
        "float_parsing": lambda: _("Enter a number."),
        "float_type": lambda: _("Enter a number."),
        "bool_parsing": lambda: _("Enter true or false."),
        "bool_type": lambda: _("Enter true or false."),
        "string_type": lambda: _("Enter text."),
        "list_type": lambda: _("Enter a list."),
        "dict_type": lambda: _("Enter an object."),
        "model_type": lambda: _("Enter an object."),
        "model_attributes_type": lambda: _("Enter an object."),
        "uuid_parsing": lambda: _("Enter a UUID."),
        "uuid_type": lambda: _("Enter a UUID."),
        "date_parsing": lambda: _("Enter a date (YYYY-MM-DD)."),
        "date_from_datetime_parsing": lambda: _("Enter a date (YYYY-MM-DD)."),
        "date_type": lambda: _("Enter a date (YYYY-MM-DD)."),
        "datetime_parsing": lambda: _("Enter a date and time (ISO 8601)."),
        "datetime_from_date_parsing": lambda: _("Enter a date and time (ISO 8601)."),
        "datetime_type": lambda: _("Enter a date and time (ISO 8601)."),
        "time_parsing": lambda: _("Enter a time (HH:MM)."),
        "json_invalid": lambda: _("The request body is not valid JSON."),
        "string_unicode": lambda: _("Enter text."),
    }
    bounded: dict[str, tuple[Callable[[], str], tuple[str, ...]]] = {
        "greater_than_equal": (lambda: _("Must be at least %(n)s."), ("ge",)),
        "greater_than": (lambda: _("Must be more than %(n)s."), ("gt",)),
        "less_than_equal": (lambda: _("Must be at most %(n)s."), ("le",)),
        "less_than": (lambda: _("Must be less than %(n)s."), ("lt",)),
        "string_too_long": (lambda: _("At most %(n)s characters."), ("max_length",)),
        "string_too_short": (lambda: _("At least %(n)s characters."), ("min_length",)),
        "too_long": (lambda: _("At most %(n)s items."), ("max_length",)),
        "too_short": (lambda: _("At least %(n)s items."), ("min_length",)),
        "literal_error": (lambda: _("Choose one of: %(n)s."), ("expected",)),
        "enum": (lambda: _("Choose one of: %(n)s."), ("expected",)),
    }
    if kind in simple:
        return simple[kind]()
    if kind in bounded:
        text, keys = bounded[kind]
        return text() % {"n": _limit(ctx, *keys)}
    return _("This value is not valid.")


def validation_fields(errors: list[dict[str, Any]]) -> dict[str, str]:
    fields: dict[str, str] = {}
    for error in errors[:50]:
        fields.setdefault(_field_name(tuple(error.get("loc", ()))), field_message(error))
    return fields


# -- the handlers ----------------------------------------------------------------------------
def _http_error_detail(exc: HttpError) -> str:
    """django-ninja's fixed English texts by status; our own HttpErrors keep their message."""
    if isinstance(exc, AuthenticationError):
        return _("Sign in first: send a valid bearer token or use a signed-in session.")
    if isinstance(exc, AuthorizationError):
        return _("You may not do this.")
    if isinstance(exc, Throttled):
        return _("Too many requests: try again later.")
    if exc.message.startswith("Cannot parse request body"):
        return _("The request body is not valid JSON.")
    if exc.message.startswith("CSRF check Failed"):
        return _("The page has expired (CSRF check failed): reload it and try again.")
    return exc.message


def install(api: NinjaAPI) -> None:
    """Register the handlers that give every error its one shape."""

    def respond(request: HttpRequest, status: int, body: dict[str, Any]) -> HttpResponse:
        return api.create_response(request, body, status=status)

    @api.exception_handler(NotFound)
    def not_found(request: HttpRequest, exc: NotFound) -> HttpResponse:
        return respond(request, 404, error_body(exc.message))

    @api.exception_handler(Forbidden)
    def forbidden(request: HttpRequest, exc: Forbidden) -> HttpResponse:
        return respond(request, 403, error_body(exc.message))

    @api.exception_handler(Invalid)
    def invalid(request: HttpRequest, exc: Invalid) -> HttpResponse:
        return respond(request, 422, error_body(exc.message, exc.fields))

    @api.exception_handler(Http404)
    def http404(request: HttpRequest, exc: Http404) -> HttpResponse:
        return respond(request, 404, error_body(_("Not found.")))

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        return respond(request, exc.status_code, error_body(_http_error_detail(exc)))

    @api.exception_handler(NinjaValidationError)
    def validation(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        body = error_body(_("Some fields are invalid."), validation_fields(exc.errors))
        return respond(request, 422, body)

    @api.exception_handler(DataError)
    @api.exception_handler(OverflowError)
    @api.exception_handler(ValueError)
    def unstorable(request: HttpRequest, exc: Exception) -> HttpResponse:
        # The last line of defence behind the schemas' bounds: a value the database cannot
        # store (a number past its column, text past its length, a NUL character on
        # PostgreSQL) is the caller's input, not a server fault. Any other ValueError is a
        # fault and goes on to Django (500).
        if isinstance(exc, ValueError) and "NUL" not in str(exc):
            raise exc
        return respond(request, 422, error_body(_("A value is too large or cannot be stored.")))


# -- the document ----------------------------------------------------------------------------
DESCRIPTIONS = {
    400: "The request body is not valid JSON",
    401: "Not signed in: no valid bearer token or session",
    403: "Signed in, but this is outside what the caller may change",
    404: "Not found, or outside what the caller may read",
    422: "The input is wrong: `fields` says which and why",
    429: "Too many failed sign-ins from this address: wait (Retry-After)",
}
METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}


def _statuses(operation: Mapping[str, Any]) -> list[int]:
    """The error statuses an operation can answer, from what it takes and how it is guarded."""
    params = operation.get("parameters") or []
    signed_in = bool(operation.get("security"))
    body = operation.get("requestBody") or {}
    statuses: set[int] = set()
    if signed_in:
        statuses |= {401, 403, 404, 429}
    if any(p.get("in") == "path" for p in params):
        statuses.add(404)
    if any(p.get("in") == "path" and p.get("name") == "token" for p in params):
        # A delegate's link is their credential: without the second factor it is refused (403),
        # and wrong answers to it are limited (429).
        statuses |= {403, 429}
    if params or body:
        statuses.add(422)
    if JSON in (body.get("content") or {}):
        statuses.add(400)
    return sorted(statuses)


def _with_error(response: dict[str, Any], ref: dict[str, str]) -> None:
    """Let a declared error answer also be the shared one (an import's 422 is its report of
    bad rows, or a field error when the file is missing)."""
    content = response.setdefault("content", {})
    declared = (content.get(JSON) or {}).get("schema")
    if declared is None:
        content[JSON] = {"schema": ref}
    elif declared != ref and ref not in declared.get("anyOf", []):
        content[JSON] = {"schema": {"anyOf": [declared, ref]}}


def document_errors(schema: dict[str, Any]) -> dict[str, Any]:
    """Add the error answers to every operation of an OpenAPI document (in place)."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components[ERROR_SCHEMA] = ErrorOut.model_json_schema(
        ref_template=REF_TEMPLATE, mode="serialization"
    )
    ref = {"$ref": REF_TEMPLATE.format(model=ERROR_SCHEMA)}
    for item in schema.get("paths", {}).values():
        for method, operation in item.items():
            if method not in METHODS:
                continue
            responses = operation.setdefault("responses", {})
            for status in _statuses(operation):
                key = status if status in responses else str(status)
                if key in responses:
                    _with_error(responses[key], ref)
                else:
                    responses[status] = {"description": DESCRIPTIONS[status]}
                    _with_error(responses[status], ref)
    return schema


@csrf_exempt  # it changes nothing; a POST with cookies must hear 404, not the CSRF page
def unknown_api_path(request: HttpRequest, path: str = "") -> HttpResponse:
    """Any /api/ address no operation takes (or a path id the route refuses, e.g. a negative
    number where an integer is expected): the API's own 404 in JSON, not the site's HTML page."""
    return JsonResponse(error_body(_("Not found.")), status=404)

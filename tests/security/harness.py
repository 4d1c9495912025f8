"""How a row of the permission table becomes a request, and a response becomes an outcome.

Outcomes are one letter each, so a row reads as one short string:
  A  allowed past the permission check: 2xx, 3xx (not to the sign-in page), or a 4xx that is not
     401/403/404 — a 422 for a body that is wrong on purpose still means "you may do this"
  F  denied (403)     H  hidden (404)     L  must sign in (401; a page: 302 to /login/)
  T  a delegate's page sends to the second factor first (302 to /hoc-vien/<link>/xac-thuc/)
  E  server error (5xx)     M  method not allowed (405: the row's method is wrong)
  -  not tried for this identity
"""

import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django.conf import settings
from django.core.signals import request_finished
from django.db import close_old_connections, transaction
from django.shortcuts import resolve_url
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from .world import IDENTITIES, World, tiny_file

API = "/api/v1"
# Not pages of ours: Django's admin, the language switch, and the API (tabled by operation).
# /api/… beyond the operations is the API's JSON 404 (api_errors.unknown_api_path), no page.
SKIPPED_PREFIXES = ("/admin/", "/i18n/", "/api/")
PLACEHOLDER = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class Entry:
    """One operation or page: how to call it and what each identity must get.

    `expect` holds one letter per identity in the order C P O S V A (see world.IDENTITIES) for
    the objects inside their scope. Outside their scope the letters follow the rule of the whole
    project as it stands — what one may read or change (A) and what one may read but not change
    (F) become invisible (H, 404); anything else stays; the central organiser has no outside —
    unless `out` says otherwise: one letter replaces that H, seven spell every identity out.
    """

    method: str
    path: str
    expect: str
    kind: str
    params: dict[str, str]
    query: dict[str, str] = field(default_factory=dict)
    body: dict[str, Any] | None = None
    out: str | None = None
    # For batch endpoints that answer 200 and refuse item by item: reads the body and returns the
    # letter its first item stands for.
    judge: Callable[[Any], str] | None = None

    @property
    def is_api(self) -> bool:
        return self.path.startswith(f"{API}/")

    @property
    def key(self) -> tuple[str, str]:
        return (self.method, self.path)

    def __str__(self) -> str:
        return f"{self.method} {self.path}"

    def keys(self) -> list[str]:
        keys = list(self.params.values()) + _refs(self.query) + _refs(self.body or {})
        return keys

    def scoped(self, world: World) -> bool:
        return any(world.is_scoped(k) for k in self.keys())

    def expected(self, who: str, inside: bool) -> str:
        i = IDENTITIES.index(who)
        letter = self.expect[i]
        if inside or (who == "C" and (self.out is None or len(self.out) == 1)):
            return letter
        if self.out is not None and len(self.out) > 1:
            return self.out[i]
        # What one may read or change becomes invisible (or `out`, e.g. "F" for the writes
        # that name a site by code and answer 403); what was refused stays refused.
        return (self.out or "H") if letter in "AF" else letter


def E(
    spec: str,
    expect: str,
    *,
    kind: str | None = None,
    query: dict[str, str] | None = None,
    body: dict[str, Any] | None = None,
    out: str | None = None,
    judge: Callable[[Any], str] | None = None,
    **params: str,
) -> Entry:
    """A row: `E("GET /api/v1/sites/{code}", "AAAHAL", code="site")`.

    Keyword arguments name what fills each {placeholder} (a key of World.value); `query` and
    `body` values written "@key" are filled the same way, a callable is called (an upload).
    kind: "read" for GET, else "write"; "session" for a row that changes the caller's sign-in
    (it runs with a client of its own).
    """
    method, path = spec.split(" ", 1)
    # Six letters: the delegate (D) gets what an anonymous caller gets.
    expect = expect + expect[-1] if len(expect) == len(IDENTITIES) - 1 else expect
    out = out + out[-1] if out is not None and len(out) == len(IDENTITIES) - 1 else out
    assert len(expect) == len(IDENTITIES), spec
    assert out is None or len(out) in (1, len(IDENTITIES)), spec
    assert set(PLACEHOLDER.findall(path)) == set(params), f"{spec}: placeholders {params}"
    return Entry(
        method=method,
        path=path,
        expect=expect,
        kind=kind or ("read" if method == "GET" else "write"),
        params=params,
        query=query or {},
        body=body,
        out=out,
        judge=judge,
    )


def _refs(value: Any) -> list[str]:
    """The "@key" placeholders anywhere in a query or body."""
    if isinstance(value, str):
        return [value[1:]] if value.startswith("@") else []
    if isinstance(value, dict):
        return [k for v in value.values() for k in _refs(v)]
    if isinstance(value, list):
        return [k for v in value for k in _refs(v)]
    return []


# -- what exists -------------------------------------------------------------------------------
def api_operations() -> set[tuple[str, str]]:
    """(method, path) of every operation in the OpenAPI document."""
    return {(m.upper(), p) for p, ops in _schema()["paths"].items() for m in ops}


def pages() -> set[str]:
    """Every route of the URL conf outside the API, admin and i18n, as /a/{name}/ patterns."""

    def walk(patterns: list[Any], prefix: str) -> Iterator[str]:
        for p in patterns:
            route = prefix + str(p.pattern)
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, route)
            elif isinstance(p, URLPattern):
                yield "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route).lstrip("^").rstrip("$")

    return {p for p in walk(get_resolver().url_patterns, "") if not p.startswith(SKIPPED_PREFIXES)}


@cache
def _schema() -> dict[str, Any]:
    from diemcau.api import api

    return api.get_openapi_schema()


# -- bodies ------------------------------------------------------------------------------------
def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = _schema()["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    for combined in ("allOf", "anyOf", "oneOf"):
        if combined in schema:
            options = [o for o in schema[combined] if o.get("type") != "null"]
            return _resolve(options[0]) if options else {"type": "null"}
    return schema


def minimal(schema: dict[str, Any]) -> Any:  # noqa: PLR0911 - one return per JSON type
    """The smallest value a schema accepts: required fields only, each a plausible value."""
    schema = _resolve(schema)
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        props = schema.get("properties", {})
        return {name: minimal(props[name]) for name in schema.get("required", []) if name in props}
    if kind == "array":
        return []
    if kind in {"integer", "number"}:
        return max(1, schema.get("minimum", 1))
    if kind == "boolean":
        return False
    if kind == "string":
        fmt = schema.get("format", "")
        if fmt == "binary":
            return tiny_file()
        if fmt == "date":
            return "2026-12-20"
        if fmt == "date-time":
            return "2026-12-20T08:00:00+07:00"
        if fmt == "uuid":
            return str(uuid.uuid4())
        return "x" * max(1, schema.get("minLength", 1))
    return None


def _request_body(entry: Entry) -> tuple[str | None, dict[str, Any]]:
    """(content type, body) for an API operation, from its OpenAPI request body."""
    op = _schema()["paths"].get(entry.path, {}).get(entry.method.lower(), {})
    content = op.get("requestBody", {}).get("content", {})
    if "application/json" in content:
        return "application/json", minimal(content["application/json"]["schema"]) or {}
    if "multipart/form-data" in content:
        return None, minimal(content["multipart/form-data"]["schema"]) or {}
    return "application/json" if entry.method != "GET" else None, {}


# -- calling -----------------------------------------------------------------------------------
def client_for(world: World, who: str, api: bool) -> Client:
    """An identity's client: a bearer token for the API, a signed-in session for pages."""
    client = Client(raise_request_exception=False)
    if who == "A":
        return client
    if who == "D":  # the delegate's phone: their link plus the last 4 digits of their CCCD
        unlocked = client.post(
            f"{API}/assessment/me/{world.fixed['link']}/unlock",
            {"digits": world.fixed["digits"]},
            content_type="application/json",
        )
        assert unlocked.status_code == 200, unlocked.content
        return client
    if api:
        client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {world.tokens[who]}"
    else:
        client.force_login(world.users[who])
    return client


def _fill(value: Any, world: World, who: str, inside: bool) -> Any:
    if isinstance(value, str) and value.startswith("@"):
        return world.value(value[1:], who, inside)
    if isinstance(value, list):
        return [_fill(v, world, who, inside) for v in value]
    if isinstance(value, dict):
        return {k: _fill(v, world, who, inside) for k, v in value.items()}
    if callable(value):  # a fresh upload for every request
        return value()
    return value


def call(entry: Entry, world: World, who: str, inside: bool, client: Client) -> Any:
    """Send the row's request inside a savepoint that is rolled back: every row sees the same
    world, whatever the rows before it changed."""
    path = PLACEHOLDER.sub(lambda m: world.value(entry.params[m[1]], who, inside), entry.path)
    query = {k: _fill(v, world, who, inside) for k, v in entry.query.items()}
    if entry.is_api:
        content_type, body = _request_body(entry)
    else:
        content_type, body = None, {}
    body.update({k: _fill(v, world, who, inside) for k, v in (entry.body or {}).items()})
    if query:
        path += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    with transaction.atomic():
        if entry.method == "GET":
            response = client.get(path)
        elif content_type == "application/json":
            response = client.generic(
                entry.method, path, _json(body), content_type="application/json"
            )
        elif entry.method == "POST":
            response = client.post(path, body)
        else:
            response = client.generic(entry.method, path, _json(body), content_type=content_type)
        if getattr(response, "streaming", False):  # read and close files the view opened
            b"".join(response.streaming_content)
            # As Django's test client does: closing fires request_finished, which must not
            # close the test's database connection.
            request_finished.disconnect(close_old_connections)
            try:
                response.close()
            finally:
                request_finished.connect(close_old_connections)
        transaction.set_rollback(True)
    return response


def _json(body: dict[str, Any]) -> str:
    import json

    return json.dumps(body)


def judged(entry: Entry, response: Any) -> str:
    """The row's letter for this response: by status, then by the body for batch endpoints."""
    got = outcome(response, entry.is_api)
    if got == "A" and entry.judge is not None and response.status_code == 200:
        return entry.judge(response.json())
    return got


def outcome(response: Any, api: bool) -> str:  # noqa: PLR0911 - one return per letter
    status = response.status_code
    if status == 401:
        return "L"
    if not api and status in (301, 302, 303):
        target = response["Location"].split("?", 1)[0]
        if target == resolve_url(settings.LOGIN_URL):
            return "L"
        if target.endswith("/xac-thuc/"):
            return "T"
    if status == 403:
        return "F"
    if status == 404:
        return "H"
    if status == 405:
        return "M"
    if status >= 500:
        return "E"
    return "A"

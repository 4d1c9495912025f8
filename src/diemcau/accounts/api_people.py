"""People in the organiser's scope, and taking their access away: /api/v1/people.

Thin: every rule (who manages whom, ending sessions at once, the audit entry) is in
accounts/revocation.py. Outside the scope a person is 404 to read and 403 to change.
"""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema

from diemcau.accounts import revocation
from diemcau.accounts.models import ApiToken, Grant
from diemcau.accounts.scopes import scope_for

router = Router()


class PeopleGrantOut(Schema):
    id: int
    role: str
    scope: str


class PeopleTokenOut(Schema):
    id: int
    prefix: str
    user: str
    label: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None


class PersonOut(Schema):
    username: str
    full_name: str
    email: str
    is_active: bool
    last_login: dt.datetime | None
    grants: list[PeopleGrantOut]
    tokens: list[PeopleTokenOut]


class PeopleQuery(Schema):
    q: str = ""
    site_accounts: bool = False


class PersonChangeOut(Schema):
    username: str
    is_active: bool
    sessions_ended: int = 0


class GrantRemovedOut(Schema):
    username: str
    removed: int


class TokensRevokedOut(Schema):
    username: str
    revoked: int


def _grant(grant: Grant) -> dict[str, Any]:
    return {"id": grant.pk, "role": grant.role, "scope": revocation.describe_grant(grant)}


def _token(token: ApiToken) -> dict[str, Any]:
    return {
        "id": token.pk,
        "prefix": token.prefix,
        "user": token.user.get_username(),
        "label": token.label,
        "created_at": token.created_at,
        "last_used_at": token.last_used_at,
        "revoked_at": token.revoked_at,
    }


def _person(user: Any, grants: list[Grant], tokens: list[ApiToken]) -> dict[str, Any]:
    return {
        "username": user.get_username(),
        "full_name": user.get_full_name(),
        "email": user.email,
        "is_active": user.is_active,
        "last_login": user.last_login,
        "grants": [_grant(g) for g in grants],
        "tokens": [_token(t) for t in tokens],
    }


@router.get("", response=list[PersonOut], summary="People in your scope (first 200 by name)")
def list_people(request: HttpRequest, query: Query[PeopleQuery]) -> list[dict[str, Any]]:
    rows = revocation.people(scope_for(request.user), query.q, site_accounts=query.site_accounts)
    return [_person(r.user, r.grants, r.tokens) for r in rows]


@router.get("/tokens", response=list[PeopleTokenOut], summary="API tokens of people in scope")
def list_tokens(request: HttpRequest, user: str | None = None) -> list[dict[str, Any]]:
    return [_token(t) for t in revocation.tokens(scope_for(request.user), user)]


@router.post(
    "/tokens/{token_id}/revoke",
    response=PeopleTokenOut,
    summary="Revoke one token: its next call, heartbeats included, is refused",
)
def revoke_token(request: HttpRequest, token_id: int) -> dict[str, Any]:
    token = revocation.revoke_token(scope_for(request.user), token_id, actor=request.user)
    return _token(token)


@router.get("/{username}", response=PersonOut, summary="One person, with grants and tokens")
def get_person(request: HttpRequest, username: str) -> dict[str, Any]:
    scope = scope_for(request.user)
    user = revocation.person(scope, username)
    return _person(user, revocation.grants_of(scope, username), revocation.tokens(scope, username))


@router.post(
    "/{username}/deactivate",
    response=PersonChangeOut,
    summary="Deactivate: signed out everywhere at once; password and tokens stop working",
)
def deactivate(request: HttpRequest, username: str) -> dict[str, Any]:
    ended = revocation.deactivate(scope_for(request.user), username, actor=request.user)
    return {"username": username, "is_active": False, "sessions_ended": ended}


@router.post("/{username}/activate", response=PersonChangeOut, summary="Activate again")
def activate(request: HttpRequest, username: str) -> dict[str, Any]:
    revocation.activate(scope_for(request.user), username, actor=request.user)
    return {"username": username, "is_active": True}


@router.post(
    "/{username}/grants/{grant_id}/remove",
    response=GrantRemovedOut,
    summary="Remove one grant; the next request is judged without it",
)
def remove_grant(request: HttpRequest, username: str, grant_id: int) -> dict[str, Any]:
    removed = revocation.remove_grant(
        scope_for(request.user), username, grant_id=grant_id, actor=request.user
    )
    return {"username": username, "removed": removed}


@router.post(
    "/{username}/tokens/revoke",
    response=TokensRevokedOut,
    summary="Revoke every token of one person",
)
def revoke_user_tokens(request: HttpRequest, username: str) -> dict[str, Any]:
    count = revocation.revoke_user_tokens(scope_for(request.user), username, actor=request.user)
    return {"username": username, "revoked": count}

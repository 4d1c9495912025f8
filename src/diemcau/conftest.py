"""Shared test fixtures: the real administrative tree, people in each role, and sites.

The tree (3,449 units) is loaded once per test session into the test database; each test runs in
a transaction that is rolled back, so tests may add sites and users freely.
"""

import itertools
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from diemcau.accounts.services import add_user, issue_token
from diemcau.sites.models import Site
from diemcau.units.models import Unit
from diemcau.units.services import load_units

HANOI = "01"  # Thành phố Hà Nội
HOAN_KIEM = "00070"  # Phường Hoàn Kiếm, Hà Nội
HUE = "46"  # Thành phố Huế
_counter = itertools.count(1)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    with django_db_blocker.unblock():
        load_units()
    yield


@pytest.fixture
def live_db(transactional_db: None) -> None:
    """A database that a server thread can see (committed rows), with the tree in it.

    A transactional test ends by emptying every table, the tree included, so each one loads the
    tree again when it is missing (~0.2 s). pytest-django runs these tests after all the others.
    """
    if not Unit.objects.exists():
        load_units()


@pytest.fixture(autouse=True)
def _tasks_inline(settings: Any) -> None:
    """Background tasks run in the test's thread and transaction, so a test sees their result."""
    settings.DIEMCAU_TASKS_INLINE = True


@pytest.fixture(autouse=True)
def _no_flusher_thread(settings: Any) -> None:
    """No heartbeat flusher thread outlives the test that started it (it would reach the
    database after the test and fail whichever test runs then); tests flush by hand."""
    settings.DIEMCAU_LIVE_FLUSHER = False


@pytest.fixture(autouse=True)
def _no_second_factor(settings: Any) -> None:
    """Tests sign organisers in with force_login; the sign-in tests turn two-factor back on."""
    settings.DIEMCAU_2FA_ROLES = []


def unit(code: str) -> Unit:
    return Unit.objects.get(code=code)


def first_commune(province_code: str) -> Unit:
    return Unit.objects.filter(level="commune", province__code=province_code).order_by("code")[0]


@pytest.fixture
def make_site(db: None) -> Callable[..., Site]:
    """Create a site in a unit (by code); the code is unique per call unless given."""

    def make(unit_code: str = HOAN_KIEM, code: str | None = None, **values: Any) -> Site:
        u = unit(unit_code)
        values.setdefault("name", f"Điểm cầu {u.name}")
        return Site.objects.create(
            code=code or f"T{next(_counter):05d}", unit=u, province_id=u.province_id, **values
        )

    return make


@pytest.fixture
def make_user(db: None) -> Callable[..., User]:
    """Create a user holding ROLE within SCOPE (as `diemcau user add` does)."""

    def make(role: str, scope: str | None = None, username: str | None = None) -> User:
        name = username or f"{role}-{next(_counter)}"
        add_user(name, role, scope, password="mat-khau-123")
        return User.objects.get(username=name)

    return make


class ApiClient(Client):
    """A Django test client that sends a bearer token, as programs do."""

    def __init__(self, token: str | None) -> None:
        super().__init__()
        self.token = token

    def request(self, **request: Any) -> Any:
        if self.token:
            request.setdefault("HTTP_AUTHORIZATION", f"Bearer {self.token}")
        return super().request(**request)


@pytest.fixture
def api_as(make_user: Callable[..., User]) -> Callable[..., ApiClient]:
    """api_as(role, scope) → a client authenticated with a fresh token for such a user."""

    def make(role: str, scope: str | None = None) -> ApiClient:
        user = make_user(role, scope)
        return ApiClient(issue_token(user.username))

    return make


@pytest.fixture
def web_as(make_user: Callable[..., User]) -> Callable[..., Client]:
    """web_as(role, scope) → a browser-like client logged in with a session."""

    def make(role: str, scope: str | None = None) -> Client:
        user = make_user(role, scope)
        client = Client()
        client.force_login(user)
        return client

    return make

"""The heartbeat fast path answers only what Django has just accepted, and the same way."""

import io
import json

import pytest
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from django.middleware.csrf import get_token
from django.test import RequestFactory

from diemcau.accounts.services import revoke_tokens
from diemcau.conftest import HOAN_KIEM, HUE, first_commune
from diemcau.operations import api, fastpath
from diemcau.operations.tests.conftest import T0

pytestmark = pytest.mark.django_db
GOOD = {"session": "S1", "playing": True, "buffer": 8.0, "bitrate": 2500, "version": "1.0"}


class Server:
    """The real WSGI stack behind the fast path, counting the requests that reached Django."""

    def __init__(self) -> None:
        self.django_calls = 0
        django = WSGIHandler()

        def counted(environ, start_response):
            self.django_calls += 1
            return django(environ, start_response)

        self.app = fastpath.wrap(counted)

    def post(self, body, *, headers=None, raw=None):
        data = raw if raw is not None else json.dumps(body).encode()
        environ = {
            "REQUEST_METHOD": "POST",
            "PATH_INFO": fastpath.PATH,
            "SERVER_NAME": "testserver",
            "SERVER_PORT": "80",
            "HTTP_HOST": "testserver",
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(data),
            "CONTENT_LENGTH": str(len(data)),
            "CONTENT_TYPE": "application/json",
            **(headers or {}),
        }
        status = []
        # as Django's test client does: the test's transaction must outlive the request
        signals.request_started.disconnect(close_old_connections)
        signals.request_finished.disconnect(close_old_connections)
        try:
            result = self.app(environ, lambda s, h, *a: status.append(s))
            body_out = b"".join(result)
            getattr(result, "close", lambda: None)()
        finally:
            signals.request_started.connect(close_old_connections)
            signals.request_finished.connect(close_old_connections)
        return int(status[0].split()[0]), json.loads(body_out or b"null")


@pytest.fixture
def server(store, clock):
    fastpath.callers.clear()
    return Server()


def test_second_beat_of_an_accepted_token_skips_django(server, store, api_as, make_site):
    site = make_site(code="FP-1")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {api_as('central_organiser').token}"}

    assert server.post({"site": "FP-1", **GOOD}, headers=auth) == (200, {"accepted": 1})
    assert server.django_calls == 1  # first time: the full check
    batch = [{"site": "FP-1", **GOOD, "latency": 700, "queued": 4}] * 3
    assert server.post(batch, headers=auth) == (200, {"accepted": 3})
    assert server.django_calls == 1  # then the short way, with the same result
    latest = store.latest(site.pk)
    assert (latest.received_at, latest.latency_ms, latest.queued) == (T0, 700, 4)


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"site": "FP-1", "buffer": -1}, 422),  # out of range
        ({"site": "FP-1", "playing": "yes"}, 200),  # pydantic's coercion, done by Django
        ({"site": "FP-1", "bitrate": 2500.0}, 200),
        ({"site": "NO-SUCH-SITE"}, 422),  # the service refuses: nothing kept on the way
        ([{"site": "FP-1"}] * 501, 422),  # over the batch limit
        ([], 200),
    ],
)
def test_anything_unusual_goes_to_django_for_its_answer(server, api_as, make_site, body, status):
    make_site(code="FP-1")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {api_as('central_organiser').token}"}
    server.post({"site": "FP-1"}, headers=auth)  # remembered
    calls = server.django_calls
    code, _answer = server.post(body, headers=auth)
    assert code == status
    assert server.django_calls == calls + 1


def test_out_of_scope_site_is_refused_by_django(server, make_site, api_as):
    make_site(HOAN_KIEM, code="FP-HN")
    make_site(first_commune(HUE).code, code="FP-HUE")
    client = api_as("site_operator", "FP-HN")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {client.token}"}
    assert server.post({"site": "FP-HN"}, headers=auth)[0] == 200
    code, _answer = server.post({"site": "FP-HUE"}, headers=auth)
    assert code == 403
    assert server.django_calls == 2


def test_a_revoked_token_stops_within_the_cache_time(server, make_site, make_user):
    from diemcau.accounts.services import issue_token

    make_site(code="FP-1")
    make_user("central_organiser", username="fp-boss")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {issue_token('fp-boss')}"}
    assert server.post({"site": "FP-1"}, headers=auth)[0] == 200
    revoke_tokens("fp-boss")
    api.bearer.clear()  # what TOKEN_TTL_S does on its own
    assert server.post({"site": "FP-1"}, headers=auth)[0] == 401


def _session_headers(client, *, with_header=True):
    request = RequestFactory().get("/")
    csrf = get_token(request)
    cookies = f"sessionid={client.cookies['sessionid'].value}; csrftoken={csrf}"
    headers = {"HTTP_COOKIE": cookies}
    if with_header:
        headers["HTTP_X_CSRFTOKEN"] = csrf
    return headers


def test_console_session_takes_the_fast_path_only_with_its_csrf_header(server, make_site, web_as):
    make_site(code="FP-1")
    browser = web_as("site_operator", "FP-1")
    headers = _session_headers(browser)
    assert server.post({"site": "FP-1", **GOOD}, headers=headers) == (200, {"accepted": 1})
    assert server.post({"site": "FP-1", **GOOD}, headers=headers) == (200, {"accepted": 1})
    assert server.django_calls == 1

    # a cross-site page can send the cookies but not the header: Django refuses it
    forged = {"HTTP_COOKIE": headers["HTTP_COOKIE"]}
    code, _answer = server.post({"site": "FP-1", **GOOD}, headers=forged)
    assert code == 403
    assert server.django_calls == 2

"""The lean submission path (quiz.submit_by_token) behind the delegate API: same answers as the
ordinary path, and a pass reaches the completion figures."""

import io
import json
from collections.abc import Iterator
from typing import Any
from wsgiref.util import setup_testing_defaults

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client

from diemcau.accounts.scopes import Scope
from diemcau.assessment.completion.services import rollup
from diemcau.assessment.delegate import api as api_delegate
from diemcau.assessment.delegate import services as delegate_factor
from diemcau.assessment.links import token_for
from diemcau.assessment.models import Attempt, CompletionSite
from diemcau.assessment.quiz import services as quiz
from diemcau.assessment.tests.helpers import attend, passed_client, right_answers, world
from diemcau.delegates.badge_token import payload_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(make_site: Any) -> dict[str, Any]:
    return world(make_site)


def _submit(client: Client, token: str, w: dict[str, Any], attempt: Any, answers: Any) -> Any:
    url = f"/api/v1/assessment/me/{token}/{w['conference'].pk}/attempts/{attempt.pk}/submit"
    return client.post(url, {"answers": answers}, content_type="application/json")


def test_a_submission_by_badge_scores_once_and_counts_in_the_rates(w: dict[str, Any]) -> None:
    conf_id = w["conference"].pk
    nation = Scope(user_id=None, everything=True)
    attend(w["an"], w["sessions"][0])
    assert rollup(nation, conf_id, None)["quiz_passed"] == 0
    attempt = quiz.start_attempt(w["an"], conf_id)
    client = passed_client(w["an"])
    badge = payload_for(w["an"].code, w["an"].secret)
    first = _submit(client, badge, w, attempt, right_answers(attempt))
    assert first.status_code == 200 and first.json()["passed"] and first.json()["score"] == 4
    assert CompletionSite.objects.get(site=w["hk"], conference_id=conf_id).stale
    again = _submit(client, token_for(w["an"]), w, attempt, {})  # a resend: the first result
    assert again.json() == first.json()
    assert Attempt.objects.filter(delegate=w["an"]).count() == 1
    assert rollup(nation, conf_id, None)["quiz_passed"] == 1


def test_bad_answers_and_links_are_refused(w: dict[str, Any]) -> None:
    attempt = quiz.start_attempt(w["an"], w["conference"].pk)
    client = passed_client(w["an"])
    token = token_for(w["an"])
    bad = _submit(client, token, w, attempt, {"999999": [0]})
    assert bad.status_code == 422
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert _submit(client, forged, w, attempt, {}).status_code == 404
    binh = passed_client(w["binh"])
    assert _submit(binh, token_for(w["binh"]), w, attempt, {}).status_code == 404
    assert _submit(client, token_for(w["binh"]), w, attempt, {}).status_code == 403  # no pass
    assert Attempt.objects.get(pk=attempt.pk).submitted_at is None


def _wsgi(app: Any, path: str, body: bytes, cookie: str = "") -> tuple[str, bytes]:
    environ: dict[str, Any] = {}
    setup_testing_defaults(environ)
    environ.update(
        REQUEST_METHOD="POST",
        PATH_INFO=path,
        CONTENT_TYPE="application/json",
        CONTENT_LENGTH=str(len(body)),
        HTTP_HOST="testserver",
        SERVER_NAME="testserver",
        HTTP_COOKIE=cookie,
    )
    environ["wsgi.input"] = io.BytesIO(body)
    status: list[str] = []
    out = b"".join(app(environ, lambda s, headers, *exc: status.append(s)))
    return status[0], out


@pytest.fixture
def keep_test_connection(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """What the test client does: a request must not close the test's transaction."""
    monkeypatch.setattr(api_delegate, "close_old_connections", lambda: None)
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.usefixtures("keep_test_connection")
def test_the_wsgi_fast_path_answers_as_django_does(w: dict[str, Any]) -> None:
    """Submissions answered in front of Django: the same JSON, and a refusal still from Django."""
    django_app = WSGIHandler()
    app = api_delegate.wrap_submit(django_app)
    attempt = quiz.start_attempt(w["an"], w["conference"].pk)
    path = f"/api/v1/assessment/me/{token_for(w['an'])}/{w['conference'].pk}"
    path += f"/attempts/{attempt.pk}/submit"
    body = json.dumps({"answers": right_answers(attempt)}).encode()
    an_pass = f"{delegate_factor.COOKIE}={delegate_factor.issue_pass(w['an'])}"
    binh_pass = f"{delegate_factor.COOKIE}={delegate_factor.issue_pass(w['binh'])}"
    # without An's pass (none, or Bình's) the fast path steps aside and Django refuses
    status, _body = _wsgi(app, path, body)
    assert status.startswith("403")
    status, _body = _wsgi(app, path, body, cookie=binh_pass)
    assert status.startswith("403")
    assert Attempt.objects.get(pk=attempt.pk).submitted_at is None
    slow_calls: list[Any] = []
    ordinary = quiz.submit
    quiz.submit = lambda *a, **k: slow_calls.append(a) or ordinary(*a, **k)  # type: ignore[assignment]
    try:
        status, fast = _wsgi(app, path, body, cookie=an_pass)
    finally:
        quiz.submit = ordinary  # type: ignore[assignment]
    assert status == "200 OK" and json.loads(fast)["passed"] and not slow_calls
    resend = b'{"answers": {}}'  # Django's own answer to a resend
    status, slow = _wsgi(django_app, path, resend, cookie=an_pass)
    assert status.startswith("200") and json.loads(slow) == json.loads(fast)
    other = quiz.start_attempt(w["binh"], w["conference"].pk)
    refused = path.replace(str(attempt.pk), str(other.pk))  # an's link, binh's attempt
    status, _body = _wsgi(app, refused, body, cookie=an_pass)
    assert status.startswith("404")
    binhs = refused.replace(token_for(w["an"]), token_for(w["binh"]))
    status, _body = _wsgi(app, binhs, b"{x", cookie=binh_pass)
    assert status.startswith("4")  # a malformed body: Django's 4xx

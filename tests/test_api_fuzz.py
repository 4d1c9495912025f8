"""The whole API under schemathesis: no answer is a server error, every answer is documented.

The OpenAPI document is loaded from the app itself (/api/v1/openapi.json through Django's WSGI
handler, in this test's transaction). Every operation gets MAX_EXAMPLES generated requests, as a
central organiser and again as a province organiser (bearer tokens), and each response is
checked: not a 5xx, a documented status code and content type, a body that matches the
documented schema.

A small world (a conference with a session, topic, speaker and material, an assessment with a
bank, an attempt, a submitted learning report and a certificate, sites in two provinces with
delegates, questions in two clusters, an incident, a rehearsal, a frozen report, a background
task, a stream and a relay) gives the generated requests something real to hit: about half of
them have their ids and codes (in the path, the query and the body) swapped for these objects'.

Bounded for CI: MAX_EXAMPLES per operation, derandomized (the same cases every run), no
Hypothesis database (nothing written next to the sources), no shrinking (a failure is reported
as found). The counts are printed (`pytest -s`): operations, examples, answers by status.
"""

import datetime as dt
import logging
import os
import time
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import hypothesis
import pytest
import schemathesis
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from django.utils import timezone
from hypothesis import HealthCheck
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from diemcau.accounts.scopes import scope_for
from diemcau.accounts.services import add_user, issue_token
from diemcau.conftest import HANOI, HOAN_KIEM, HUE, first_commune
from diemcau.operations import api as operations_api
from diemcau.sites.models import Site
from diemcau.units.models import Unit
from diemcau.units.services import load_units

MAX_EXAMPLES = 8
DEADLINE = dt.timedelta(seconds=30)  # per example; a PDF on a loaded machine stays far below
PASSWORD = "mat-khau-fuzz-123"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def _wsgi_app() -> Callable[..., Any]:
    """Django's own WSGI handler, run in the test's thread and transaction.

    As Django's test client does, the handler must not close the connection at the end of each
    request (that would end the test's transaction); the production fast paths in front of Django
    (diemcau.wsgi) are left out for the same reason: they manage their own connections.
    """
    handler = WSGIHandler()

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        status: list[str] = []

        def record(code: str, headers: Any, *args: Any) -> Any:
            status.append(code)
            return start_response(code, headers, *args)

        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        # Each request in a savepoint, rolled back when it fails: as in autocommit on a server,
        # a refused request leaves no half-written state (nor, on PostgreSQL, an aborted
        # transaction) for the next one.
        savepoint = transaction.savepoint_create()
        try:
            result = handler(environ, record)
            try:
                body = list(result)
            finally:
                result.close()  # as a WSGI server does: files of a FileResponse are closed
        finally:
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)
        if status and int(status[0].split()[0]) >= 400:
            transaction.savepoint_rollback(savepoint)
        else:
            transaction.savepoint_commit(savepoint)
        return body

    return app


def _pdf() -> SimpleUploadedFile:
    return SimpleUploadedFile("chuyen-de-1.pdf", b"%PDF-1.4\n%fuzz\n", "application/pdf")


def build_world() -> dict[str, Any]:
    """Objects for the generated requests to find; returns the values that name them."""
    from diemcau.assessment import links
    from diemcau.assessment.certificates import services as certificates
    from diemcau.assessment.delegate import services as delegate_factor
    from diemcau.assessment.models import AssessmentSettings, Question
    from diemcau.assessment.quiz import services as quiz
    from diemcau.assessment.reflections import services as reflections
    from diemcau.delegates.services import create_delegate
    from diemcau.operations import incidents, rehearsals
    from diemcau.programme.materials import upload_material
    from diemcau.programme.models import Conference, Day, Session, Speaker, Topic
    from diemcau.questions.models import Sector
    from diemcau.questions.services import create_question
    from diemcau.reports.services import freeze
    from diemcau.streaming.models import Relay, Stream

    for username, role, unit in [
        ("fuzz-central", "central_organiser", None),
        ("fuzz-province", "province_organiser", HANOI),
        ("fuzz-viewer", "viewer", HANOI),
    ]:
        add_user(username, role, unit, password=PASSWORD)
    central = User.objects.get(username="fuzz-central")
    scope = scope_for(central)
    day0 = dt.date(2025, 6, 14)
    conference = Conference.objects.create(
        slug="fuzz-hoi-nghi",
        name="Hội nghị thử",
        host="Ban Tổ chức",
        starts_on=day0,
        ends_on=day0,
    )
    day = Day.objects.create(conference=conference, date=day0)
    session = Session.objects.create(
        day=day, title="Phiên sáng", starts_at=dt.time(8), ends_at=dt.time(11)
    )
    speaker = Speaker.objects.create(name="Nguyễn Văn A", title="Bộ trưởng")
    topic = Topic.objects.create(session=session, number=1, title="Chuyên đề 1")
    topic.speakers.add(speaker)
    material = upload_material(scope, topic.pk, _pdf(), title="Tài liệu")
    AssessmentSettings.objects.create(
        conference=conference,
        draw_size=2,
        min_sessions=0,
        require_quiz=False,
        prompts=["Điều đã học"],
        min_chars=1,
        min_report_score=None,  # complete without grading: a certificate can be issued
    )
    for i in range(3):
        Question.objects.create(
            conference=conference,
            kind="single",
            text=f"Câu {i}?",
            options=["Đúng", "Sai"],
            correct=[0],
            points=1,
        )
    units = [Unit.objects.get(code=HOAN_KIEM)] * 2 + [first_commune(HUE)]
    sites = [
        Site.objects.create(
            code=f"FZ{i}", name=f"Điểm cầu {i}", unit=unit, province_id=unit.province_id
        )
        for i, unit in enumerate(units)
    ]
    delegates = [
        create_delegate(
            scope, site.code, {"full_name": f"Trần Thị {i}", "national_id": f"0010900{i:05d}"}
        )
        for i, site in enumerate(sites * 2)
    ]
    attempt = quiz.start_attempt(delegates[0], conference.pk)
    report = reflections.save_text(delegates[0], conference.pk, ["Đã học được nhiều"], final=True)
    certificate = certificates.issue(delegates[1], conference.pk)
    task = certificates.start_batch(scope, conference.pk, HANOI)
    sector = Sector.objects.filter(is_active=True).order_by("order", "code").first()
    assert sector is not None  # the sectors are loaded by a migration
    asked = [
        create_question(scope, central, site=sites[i % 2].code, text=text)
        for i, text in enumerate(
            [
                "Xã mới có mấy phòng chuyên môn?",
                "Ai ký giấy chứng nhận bồi dưỡng?",
                "Phụ cấp trưởng thôn tính thế nào?",
            ]
        )
    ]
    incident = incidents.open_incident(scope, central, sites[0].code, "network", "Mất mạng")
    now = timezone.now()
    rehearsal = rehearsals.schedule(
        scope,
        central,
        title="Kiểm tra",
        starts_at=now - dt.timedelta(hours=1),
        ends_at=now + dt.timedelta(hours=1),
        unit_code="TW",
    )
    snapshot = freeze(scope, central, HANOI, None)
    Stream.objects.create(name="chinh", title="Luồng chính", conference=conference)
    Relay.objects.create(code="hn", name="Hà Nội", base_url="http://relay-hn.example.vn:8080")
    return {
        "conference": conference.pk,
        "session": session.pk,
        "topic": topic.pk,
        "speaker": speaker.pk,
        "material": material.pk,
        "site": sites[0].code,
        "delegate": delegates[3].code,  # its badge may be revoked: not the one of `token`
        "token": links.token_for(delegates[0]),
        # The browser of that delegate, past the second factor: their pages open for it.
        "pass": {delegate_factor.COOKIE: delegate_factor.issue_pass(delegates[0])},
        "attempt": str(attempt.id),
        "report": report.pk,
        "certificate": certificate.pk,
        "task": str(task.pk),
        "sector": sector.code,
        "question": asked[2].pk,  # may be rejected: its cluster is not the two below
        "cluster": asked[0].cluster_id,
        "other_cluster": asked[1].cluster_id,
        "incident": incident.pk,
        "rehearsal": rehearsal.pk,
        "snapshot": snapshot.pk,
        "stream": "chinh",
        "unit": HANOI,
        "username": "fuzz-viewer",
        "which": "emblem",
        "index": 0,
    }


BY_NAME = {
    "conference_id": "conference",
    "conference": "conference",
    "session": "session",
    "site_code": "site",
    "site": "site",
    "token": "token",
    "attempt_id": "attempt",
    "report_id": "report",
    "certificate_id": "certificate",
    "task_id": "task",
    "sector": "sector",
    "question_id": "question",
    "cluster_id": "cluster",
    "other": "other_cluster",
    "incident_id": "incident",
    "rehearsal_id": "rehearsal",
    "stream": "stream",
    "node": "unit",
    "unit": "unit",
    "username": "username",
    "topic": "topic",
    "which": "which",
    "index": "index",
}
PK_PATHS = [  # /programme/<kind>/{pk}, /reports/snapshots/{pk}
    ("/conferences/", "conference"),
    ("/sessions/", "session"),
    ("/topics/", "topic"),
    ("/speakers/", "speaker"),
    ("/materials/", "material"),
    ("/snapshots/", "snapshot"),
]


def real_value(path: str, name: str, world: dict[str, Any]) -> Any:
    """The world's value for parameter `name` of `path`, or None when it names nothing here."""
    if name == "pk":
        key = next((k for part, k in PK_PATHS if part in path), None)
    elif name == "code":
        key = "site"
        if path.startswith("/api/v1/delegates/"):
            key = "delegate"
        elif path.startswith("/api/v1/units/"):
            key = "unit"
    else:
        key = BY_NAME.get(name)
    return world[key] if key else None


def with_real_values(case: Any, world: dict[str, Any]) -> Any:
    """Half the cases as generated, half with their ids and codes naming the world's objects."""
    path = case.operation.path

    def swapped(values: Any) -> Any:
        if not isinstance(values, dict):
            return values
        out = dict(values)
        for name in values:
            real = real_value(path, name, world)
            if real is not None:
                out[name] = real
        return out

    def swap(real: bool) -> Any:
        if real:
            case.path_parameters = swapped(case.path_parameters)
            case.query = swapped(case.query)
            case.body = swapped(case.body)
        return case

    return st.booleans().map(swap)


def load_schema() -> Any:
    config = SchemathesisConfig.from_dict(
        {
            "generation": {
                "mode": "positive",
                "max-examples": MAX_EXAMPLES,
                "database": "none",
                "with-security-parameters": False,
            }
        }
    )
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", _wsgi_app(), config=config)


def fuzz(schema: Any, token: str, world: dict[str, Any]) -> dict[str, Any]:
    """Run every operation; the failures, and counts of operations, examples and statuses."""
    failures: list[str] = []
    statuses: Counter[int] = Counter()
    per_operation: dict[str, Counter[int]] = {}
    operations = examples = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        strategy = operation.as_strategy().flatmap(lambda c: with_real_values(c, world))

        @hypothesis.given(strategy)
        @hypothesis.settings(
            max_examples=MAX_EXAMPLES,
            deadline=DEADLINE,
            derandomize=True,
            database=None,
            phases=[hypothesis.Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def run(case: Any) -> None:
            nonlocal examples
            examples += 1
            case.cookies = {**(case.cookies or {}), **world["pass"]}
            headers = {"Authorization": f"Bearer {token}"}
            response = case.call_and_validate(headers=headers, checks=CHECKS)
            statuses[response.status_code] += 1
            per_operation.setdefault(case.operation.label, Counter())[response.status_code] += 1

        try:
            run()
        except (Exception, BaseExceptionGroup) as exc:  # every operation runs; listed together
            failures.append(f"{operation.label}: {exc}")
    return {
        "failures": failures,
        "operations": operations,
        "examples": examples,
        "statuses": dict(sorted(statuses.items())),
        "per_operation": per_operation,
    }


@pytest.fixture
def fuzz_world(db: None, settings: Any, tmp_path: Any) -> Iterator[dict[str, Any]]:
    settings.DATA_DIR = tmp_path  # certificates, materials and template images land here
    settings.DIEMCAU_TASKS_INLINE = True  # certificate batches run in the test's transaction
    settings.DIEMCAU_LIVE_FLUSHER = False  # no thread of its own reaching the test database
    operations_api.bearer.clear()
    quiet = logging.getLogger("django.request")
    level = quiet.level
    quiet.setLevel(logging.ERROR)  # hundreds of 404 and 422 lines; a 500 is still logged
    if not Unit.objects.exists():  # the tree, as src/diemcau/conftest.py loads it there
        load_units()
    yield build_world()
    quiet.setLevel(level)
    operations_api.bearer.clear()


@pytest.mark.parametrize("username", ["fuzz-central", "fuzz-province"])
def test_no_server_error_and_every_answer_documented(
    fuzz_world: dict[str, Any], username: str
) -> None:
    started = time.monotonic()
    schema = load_schema()
    outcome = fuzz(schema, issue_token(username), fuzz_world)
    print(  # noqa: T201 - the figures of the run, shown with -s
        f"\n{username}: {outcome['operations']} operations, {outcome['examples']} examples, "
        f"statuses {outcome['statuses']}, {time.monotonic() - started:.0f} s"
    )
    if os.environ.get("DIEMCAU_FUZZ_VERBOSE"):
        for label, counts in sorted(outcome["per_operation"].items()):
            print(label, dict(sorted(counts.items())))  # noqa: T201
    assert outcome["operations"] > 100  # the document lists the whole API
    assert outcome["examples"] >= outcome["operations"]
    assert not outcome["failures"], "\n\n".join(outcome["failures"])

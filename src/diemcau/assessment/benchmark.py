"""Figures for the assessment app: quiz scoring, certificate PDFs, verification. Prints JSON.

    .venv/bin/python -m diemcau.assessment.benchmark [--submissions 10000] [--certificates 100]
    DATABASE_URL=postgres://…/diemcau_bench_x .venv/bin/python -m diemcau.assessment.benchmark

Runs in a temporary data folder (SQLite unless DATABASE_URL names a throwaway database, which
it migrates). Service level, no HTTP: `quiz.submit` for N attempts of 20 drawn questions (each
one transaction: lock, score, one UPDATE), the pure scoring function alone, certificate PDFs
as one document and as one file each, and `certificates.verify`. Kept in the app rather than
bench/ because bench/ belongs to another owner; it can move there unchanged.
"""

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from typing import Any


def _setup() -> None:
    if "DIEMCAU_DATA_DIR" not in os.environ:
        os.environ["DIEMCAU_DATA_DIR"] = tempfile.mkdtemp(prefix="diemcau-bench-assessment-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "diemcau.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from diemcau.units.services import load_units

    load_units()


def _world(delegates: int) -> dict[str, Any]:
    import datetime as dt
    import os as _os

    from diemcau.assessment.models import AssessmentSettings, Question
    from diemcau.delegates.codes import code_for
    from diemcau.delegates.models import Delegate
    from diemcau.programme.models import Conference
    from diemcau.sites.models import Site
    from diemcau.units.models import Unit

    day = dt.date(2025, 6, 14)
    conference = Conference.objects.create(
        slug=f"bench-{time.time_ns()}",
        name="Hội nghị toàn quốc quán triệt chính quyền hai cấp",
        host="Ban Tổ chức Trung ương",
        starts_on=day,
        ends_on=day,
    )
    AssessmentSettings.objects.create(
        conference=conference,
        draw_size=20,
        time_limit_minutes=30,
        pass_percent=70,
        max_attempts=2,
        signer_name="Nguyễn Văn Ký",
        signer_title="Trưởng Ban Tổ chức",
    )
    Question.objects.bulk_create(
        Question(
            conference=conference,
            kind="single" if i % 4 else "multiple",
            text=f"Câu hỏi {i}",
            options=["Một", "Hai", "Ba", "Bốn"],
            correct=[0] if i % 4 else [0, 2],
            points=1,
        )
        for i in range(200)
    )
    unit = Unit.objects.get(code="00070")
    site = Site.objects.create(
        code=f"B{time.time_ns() % 10**8}",
        name="Điểm cầu Hoàn Kiếm",
        unit=unit,
        province_id=unit.province_id,
    )
    start = Delegate.objects.count() + 5_000_000
    Delegate.objects.bulk_create(
        Delegate(
            code=code_for(start + i),
            site=site,
            province_id=site.province_id,
            full_name=f"Nguyễn Thị Hồng Nhung {i}",
            national_id_hash=f"{start + i:032x}",
            national_id_last4="0000",
            secret=_os.urandom(16).hex(),
        )
        for i in range(delegates)
    )
    return {
        "conference": conference,
        "delegates": list(Delegate.objects.filter(site=site).order_by("pk")),
    }


def _quiz(world: dict[str, Any], n: int) -> dict[str, Any]:
    from diemcau.assessment.models import Question
    from diemcau.assessment.quiz import services as quiz

    conf_id = world["conference"].pk
    correct = {
        str(pk): c
        for pk, c in Question.objects.filter(conference_id=conf_id).values_list("pk", "correct")
    }
    people = world["delegates"][:n]
    t0 = time.perf_counter()
    attempts = [quiz.start_attempt(d, conf_id) for d in people]
    started = time.perf_counter() - t0
    answers = [{str(q): correct[str(q)] for q in a.question_ids} for a in attempts]
    keys = quiz.scoring_keys(int(k) for k in correct)
    t0 = time.perf_counter()
    for a, ans in zip(attempts, answers, strict=True):
        quiz.score_answers({q: keys[q] for q in a.question_ids}, ans)
    pure = time.perf_counter() - t0
    t0 = time.perf_counter()
    for d, a, ans in zip(people, attempts, answers, strict=True):
        quiz.submit(d, a.pk, ans)
    submitted = time.perf_counter() - t0
    t0 = time.perf_counter()
    for d, a in zip(people[:1000], attempts[:1000], strict=True):
        quiz.submit(d, a.pk, {})  # resends: answered from the stored result
    resent = time.perf_counter() - t0
    return {
        "submissions": n,
        "start_attempt_s": round(started, 3),
        "submit_service_s": round(submitted, 3),
        "submit_per_s": round(n / submitted),
        "resend_per_s": round(min(n, 1000) / resent),
        "pure_scoring_s": round(pure, 4),
        "pure_scoring_per_s": round(n / pure),
    }


def _certificates(world: dict[str, Any], n: int) -> dict[str, Any]:
    from diemcau.assessment.certificates import services as certificates
    from diemcau.assessment.certificates.services import new_certificate, page_of

    conf_id = world["conference"].pk
    people = world["delegates"][:n]
    t0 = time.perf_counter()
    certs = [new_certificate(d, conf_id, world["conference"].starts_on) for d in people]
    made = time.perf_counter() - t0
    for c in certs:
        c.conference = world["conference"]
    pages = [page_of(c) for c in certs]
    certificates.render(pages[:1])  # fonts registered outside the clock
    t0 = time.perf_counter()
    one_doc = certificates.render(pages)
    as_one = time.perf_counter() - t0
    t0 = time.perf_counter()
    singles = [certificates.pdf_of(c) for c in certs]  # drawn and kept
    each = time.perf_counter() - t0
    latencies = []
    for c in certs:
        s = time.perf_counter()
        certificates.pdf_of(c)  # kept: a file read
        latencies.append(time.perf_counter() - s)
    verify = []
    for c in certs * max(1, 1000 // n):
        s = time.perf_counter()
        certificates.verify(c.code)
        verify.append(time.perf_counter() - s)
    verify.sort()
    return {
        "certificates": n,
        "rows_and_codes_s": round(made, 3),
        "one_document_s": round(as_one, 3),
        "one_document_per_s": round(n / as_one, 1),
        "one_document_bytes": len(one_doc),
        "one_file_each_s": round(each, 3),
        "one_file_each_per_s": round(n / each, 1),
        "one_file_bytes_median": int(statistics.median(len(s) for s in singles)),
        "kept_download_ms_p95": round(sorted(latencies)[int(len(latencies) * 0.95) - 1] * 1000, 2),
        "verify_ms_p50": round(verify[len(verify) // 2] * 1000, 3),
        "verify_ms_p99": round(verify[int(len(verify) * 0.99) - 1] * 1000, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=10_000)
    parser.add_argument("--certificates", type=int, default=100)
    args = parser.parse_args()
    _setup()
    from django.db import connection

    world = _world(max(args.submissions, args.certificates))
    result = {
        "database": connection.vendor,
        "quiz": _quiz(world, args.submissions),
        "certificates": _certificates(world, args.certificates),
    }
    json.dump(result, sys.stdout, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()

"""A small learning-outcomes world: a conference with two sessions and two topics, a bank of
questions, delegates in Hà Nội and Huế, and helpers to attend, pass and grade."""

import datetime as dt
import itertools
import os
import uuid
from typing import Any

from django.test import Client
from django.utils import timezone

from diemcau.assessment.delegate import services as delegate_factor
from diemcau.assessment.models import AssessmentSettings, Question, QuestionKind
from diemcau.attendance.models import CheckIn
from diemcau.conftest import HOAN_KIEM, HUE, first_commune
from diemcau.delegates.codes import code_for
from diemcau.delegates.models import Delegate
from diemcau.programme.models import Conference, Day, Session, Topic
from diemcau.sites.models import Site

_ids = itertools.count(700_001)
DAY = dt.date(2025, 6, 14)


def make_conference() -> tuple[Conference, list[Session]]:
    conference = Conference.objects.create(
        slug=f"hn-{next(_ids)}",
        name="Hội nghị toàn quốc quán triệt chính quyền hai cấp",
        host="Ban Tổ chức Trung ương",
        starts_on=DAY,
        ends_on=DAY,
    )
    day = Day.objects.create(conference=conference, date=DAY)
    sessions = [
        Session.objects.create(
            day=day, title="Phiên sáng", starts_at=dt.time(8), ends_at=dt.time(11)
        ),
        Session.objects.create(
            day=day, title="Phiên chiều", starts_at=dt.time(14), ends_at=dt.time(17)
        ),
    ]
    for n, session in enumerate(sessions, start=1):
        Topic.objects.create(session=session, number=n, title=f"Chuyên đề {n}")
    AssessmentSettings.objects.create(
        conference=conference,
        draw_size=4,
        time_limit_minutes=20,
        pass_percent=50,
        max_attempts=2,
        prompts=["Những điều đã học", "Vận dụng tại đơn vị"],
        min_chars=20,
        max_chars=2000,
        min_sessions=1,
        require_quiz=True,
        min_report_score=5,
        signer_name="Nguyễn Văn Ký",
        signer_title="Trưởng Ban Tổ chức",
    )
    return conference, sessions


def make_bank(conference: Conference, size: int = 6) -> list[Question]:
    """Questions whose right answer is option 0 (single) or options 0 and 2 (multiple)."""
    questions = []
    for i in range(size):
        multiple = i % 3 == 2
        questions.append(
            Question.objects.create(
                conference=conference,
                kind=QuestionKind.MULTIPLE if multiple else QuestionKind.SINGLE,
                text=f"Câu hỏi số {i + 1}?",
                options=["Đúng", "Sai", "Cũng đúng" if multiple else "Sai nữa", "Không"],
                correct=[0, 2] if multiple else [0],
                points=1,
                explanation="Giải thích",
            )
        )
    return questions


def right_answers(attempt: Any) -> dict[str, list[int]]:
    return {
        str(q.pk): list(q.correct) for q in Question.objects.filter(pk__in=attempt.question_ids)
    }


def make_delegate(site: Site, name: str = "Nguyễn Văn An") -> Delegate:
    n = next(_ids)
    return Delegate.objects.create(
        code=code_for(n),
        site=site,
        province_id=site.province_id,
        full_name=name,
        national_id_hash=f"{n:032x}",
        national_id_last4=f"{n % 10000:04d}",
        secret=os.urandom(16).hex(),
    )


def passed_client(delegate: Delegate) -> Client:
    """A browser that has already given this delegate's second factor (it holds their pass)."""
    client = Client()
    client.cookies[delegate_factor.COOKIE] = delegate_factor.issue_pass(delegate)
    return client


def attend(delegate: Delegate, session: Session) -> None:
    now = timezone.now()
    CheckIn.objects.create(
        id=uuid.uuid4(),
        delegate=delegate,
        session=session,
        site=delegate.site,
        scanned_at=now,
        received_at=now,
    )


def world(make_site: Any) -> dict[str, Any]:
    conference, sessions = make_conference()
    hk = make_site(HOAN_KIEM, code="HK-A")
    hue = make_site(first_commune(HUE).code, code="HUE-A")
    return {
        "conference": conference,
        "sessions": sessions,
        "bank": make_bank(conference),
        "hk": hk,
        "hue": hue,
        "an": make_delegate(hk, "Nguyễn Văn An"),
        "binh": make_delegate(hk, "Trần Thị Bình"),
        "hoa": make_delegate(hue, "Lê Thị Hoa"),
    }

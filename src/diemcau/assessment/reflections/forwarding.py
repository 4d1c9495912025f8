"""Sending a difficulty or proposal from a learning report to the questions pipeline.

A grader who reads "our commune lacks guidance on X" can pass it on with one action as a
question from the delegate's site, through the questions app's own intake (so it joins a
cluster, is routed and answered like any other). Sending is idempotent twice over: the report
keeps one `SentQuestion` per answer, and the intake receives a client id made from the report
and the answer, so a double click or two graders at once still make one question.
"""

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from diemcau.accounts.scopes import Scope
from diemcau.assessment.models import ReportStatus, SentQuestion
from diemcau.assessment.reflections.reports import get_report
from diemcau.errors import Invalid
from diemcau.questions.services import create_question

MAX_QUESTION_CHARS = 4000  # the questions app's limit


def _clip(text: str) -> str:
    if len(text) <= MAX_QUESTION_CHARS:
        return text
    return text[: MAX_QUESTION_CHARS - 1].rsplit(" ", 1)[0] + "…"


def client_id(report_id: int, index: int) -> str:
    return f"assessment-report-{report_id}-{index}"


def send_to_questions(
    scope: Scope, user: Any, report_id: int, index: int
) -> tuple[SentQuestion, bool]:
    """The question made from answer `index` of the report; (record, made now)."""
    report = get_report(scope, report_id)
    if report.status == ReportStatus.DRAFT:
        raise Invalid(_("This learning report has not been submitted yet."))
    kept = SentQuestion.objects.filter(reflection=report, answer_index=index).first()
    if kept is not None:
        return kept, False
    answers = report.answers or []
    text = str(answers[index]).strip() if 0 <= index < len(answers) else ""
    if not text:
        raise Invalid(_("This answer is empty: there is nothing to send."), {"index": str(index)})
    with transaction.atomic():
        question = create_question(
            scope,
            user,
            site=report.site.code,
            text=_clip(text),
            client_id=client_id(report.pk, index),
        )
        try:
            with transaction.atomic():
                sent = SentQuestion.objects.create(
                    reflection=report,
                    answer_index=index,
                    question=question,
                    sent_by=user if getattr(user, "pk", None) else None,
                    sent_at=timezone.now(),
                )
        except IntegrityError:  # sent meanwhile by another grader
            return SentQuestion.objects.get(reflection=report, answer_index=index), False
    return sent, True


def sent_as_dict(sent: SentQuestion) -> dict[str, Any]:
    return {
        "report": sent.reflection_id,
        "index": sent.answer_index,
        "question": sent.question_id,
        "sent_at": sent.sent_at,
    }

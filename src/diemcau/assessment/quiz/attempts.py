"""Quiz attempts: the draw, saving answers as they come, submitting once, scoring.

The server owns the clock: an attempt's deadline is fixed when it starts; a save after it is
refused, and the next touch of an expired attempt submits it with what was saved. A submission
is keyed by the attempt id, so a resend (a phone that lost the answer) returns the first result
instead of making another attempt. Answers are stored by original option index, whatever order
the options were shown in.
"""

import datetime as dt
import random
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core import signing
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from diemcau.assessment import links
from diemcau.assessment.completion import services as completion_counters
from diemcau.assessment.conference_settings import settings_for
from diemcau.assessment.models import AssessmentSettings, Attempt, Question, QuestionKind
from diemcau.attendance import writelock
from diemcau.delegates import badge_token
from diemcau.delegates.models import Delegate
from diemcau.errors import Invalid, NotFound

Answers = Mapping[str, list[int]]


@dataclass(frozen=True)
class ScoringKey:
    """What scoring needs of a question: nothing a delegate could be shown by mistake."""

    kind: str
    correct: frozenset[int]
    points: int


# -- scoring ----------------------------------------------------------------------------------
def score_answers(keys: Mapping[int, ScoringKey], answers: Answers) -> tuple[int, int]:
    """(score, maximum). A question earns its points only when the chosen set is exactly right:
    partial credit on multiple choice would reward ticking every box."""
    score = 0
    maximum = 0
    for qid, key in keys.items():
        maximum += key.points
        chosen = answers.get(str(qid))
        if chosen and frozenset(chosen) == key.correct:
            score += key.points
    return score, maximum


def scoring_keys(question_ids: Iterable[int]) -> dict[int, ScoringKey]:
    rows = Question.objects.filter(pk__in=list(question_ids)).values_list(
        "pk", "kind", "correct", "points"
    )
    return {pk: ScoringKey(kind, frozenset(correct), points) for pk, kind, correct, points in rows}


def passed(score: int, maximum: int, pass_percent: int) -> bool:
    return maximum > 0 and score * 100 >= pass_percent * maximum


# -- the attempt ------------------------------------------------------------------------------
def _draw(
    question_ids: list[int], options: Mapping[int, int], size: int, seed: str
) -> tuple[list[int], dict[str, list[int]]]:
    """Questions and option orders for one delegate: seeded, so the same draw can be replayed."""
    rng = random.Random(seed)
    chosen = rng.sample(question_ids, min(size, len(question_ids)))
    orders = {}
    for qid in chosen:
        order = list(range(options[qid]))
        rng.shuffle(order)
        orders[str(qid)] = order
    return chosen, orders


def attempts_of(delegate: Delegate, conference_id: int) -> list[Attempt]:
    return list(
        Attempt.objects.filter(delegate=delegate, conference_id=conference_id).order_by("number")
    )


def _check_open(conf: AssessmentSettings, now: dt.datetime) -> None:
    if conf.opens_at and now < conf.opens_at:
        raise Invalid(_("The quiz is not open yet."))
    if conf.closes_at and now >= conf.closes_at:
        raise Invalid(_("The quiz is closed."))


def start_attempt(
    delegate: Delegate, conference_id: int, now: dt.datetime | None = None
) -> Attempt:
    """The delegate's running attempt, or a new one when they have attempts left."""
    now = now or timezone.now()
    existing = attempts_of(delegate, conference_id)
    for attempt in existing:
        if attempt.submitted_at is None:
            if expire_if_due(attempt, now):
                break
            return attempt
    conf = settings_for(conference_id)
    _check_open(conf, now)
    if any(a.passed for a in existing):
        raise Invalid(_("You have already passed the quiz."))
    if len(existing) >= conf.max_attempts:
        raise Invalid(_("You have no attempts left."))
    rows = (
        Question.objects.filter(conference_id=conference_id, active=True)
        .order_by("pk")
        .values_list("pk", "options", "correct", "points")
    )
    bank = {pk: options for pk, options, _c, _p in rows}
    marks = {pk: [points, *correct] for pk, _o, correct, points in rows}
    if not bank:
        raise Invalid(_("The quiz has no questions yet."))
    number = len(existing) + 1
    ids, orders = _draw(
        list(bank),
        {pk: len(opts) for pk, opts in bank.items()},
        conf.draw_size,
        f"{delegate.code}:{conference_id}:{number}",
    )
    deadline = now + dt.timedelta(minutes=conf.time_limit_minutes)
    if conf.closes_at:
        deadline = min(deadline, conf.closes_at)
    try:
        with transaction.atomic():
            return Attempt.objects.create(
                conference_id=conference_id,
                delegate=delegate,
                number=number,
                question_ids=ids,
                option_orders=orders,
                key={str(q): marks[q] for q in ids},
                pass_percent=conf.pass_percent,
                started_at=now,
                deadline=deadline,
            )
    except IntegrityError:  # a second tab started the same attempt at the same moment
        return Attempt.objects.get(delegate=delegate, conference_id=conference_id, number=number)


def get_attempt(delegate: Delegate, attempt_id: uuid.UUID | str, lock: bool = False) -> Attempt:
    try:
        key = uuid.UUID(str(attempt_id))
    except ValueError:
        raise NotFound(_("Attempt not found.")) from None
    qs = Attempt.objects.select_for_update() if lock else Attempt.objects
    attempt = qs.filter(pk=key, delegate=delegate).first()
    if attempt is None:
        raise NotFound(_("Attempt not found."))
    return attempt


def _clean(attempt: Attempt, answers: Mapping[str, Any]) -> dict[str, list[int]]:
    allowed = {str(q): len(order) for q, order in attempt.option_orders.items()}
    cleaned: dict[str, list[int]] = {}
    for qid, chosen in answers.items():
        key = str(qid)
        if key not in allowed:
            raise Invalid(_("This question is not part of your attempt."), {"question": key})
        values = chosen if isinstance(chosen, list) else [chosen]
        try:
            indexes = sorted({int(v) for v in values})
        except (TypeError, ValueError):
            raise Invalid(_("Invalid answer."), {"question": key}) from None
        if any(i < 0 or i >= allowed[key] for i in indexes):
            raise Invalid(_("Invalid answer."), {"question": key})
        cleaned[key] = indexes
    return cleaned


def expire_if_due(attempt: Attempt, now: dt.datetime | None = None) -> bool:
    """Submit an attempt whose time is up with the answers saved so far; True if it did."""
    now = now or timezone.now()
    if attempt.submitted_at is None and now >= attempt.deadline:
        _finish(attempt, {}, now, auto=True)
        return True
    return False


def save_answers(
    delegate: Delegate,
    attempt_id: uuid.UUID | str,
    answers: Mapping[str, Any],
    now: dt.datetime | None = None,
) -> Attempt:
    """Merge answers into the attempt; saving the same answers twice changes nothing."""
    now = now or timezone.now()
    with transaction.atomic():
        # Locked: two saves racing from one phone must merge, not overwrite each other.
        attempt = get_attempt(delegate, attempt_id, lock=True)
        if attempt.submitted_at is not None:
            raise Invalid(_("This attempt has already been submitted."))
        expired = expire_if_due(attempt, now)  # kept: the refusal below is outside the block
        if not expired:
            merged = {**attempt.answers, **_clean(attempt, answers)}
            Attempt.objects.filter(pk=attempt.pk, submitted_at__isnull=True).update(answers=merged)
            attempt.answers = merged
    if expired:
        raise Invalid(_("Time is up: your answers after the limit were not saved."))
    return attempt


def submit(
    delegate: Delegate,
    attempt_id: uuid.UUID | str,
    answers: Mapping[str, Any] | None = None,
    now: dt.datetime | None = None,
) -> Attempt:
    """Score the attempt once. A resend returns the stored result and ignores its answers."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = get_attempt(delegate, attempt_id, lock=True)
        if locked.submitted_at is not None:
            return locked
        late = now >= locked.deadline
        extra = {} if late or not answers else _clean(locked, answers)
        _finish(locked, extra, now, auto=late)
    return locked


# -- the submission hot path ------------------------------------------------------------------
_ATTEMPTS = Attempt._meta.db_table
_DELEGATES = Delegate._meta.db_table
_SUBMIT_SQL = (
    f"SELECT a.*, d.code AS owner_code, d.secret AS owner_secret FROM {_ATTEMPTS} a "  # noqa: S608
    f"JOIN {_DELEGATES} d ON d.id = a.delegate_id WHERE a.id = %s"
)


def _prep(name: str, value: Any) -> Any:
    field: Any = Attempt._meta.get_field(name)
    return field.get_db_prep_save(value, connection)


def _token_owner(token: str) -> tuple[str, Callable[[str], bool]] | None:
    """The delegate code a link token (or badge QR) names, and a check of their secret; the
    same rules as links.delegate_for, without its query."""
    parsed = badge_token.parse(token)
    if parsed is not None and parsed[1] is not None:
        code, mac = parsed[0], parsed[1]
        return code, lambda secret: badge_token.verify(code, secret, mac)
    try:
        value = signing.Signer(salt=links.SALT).unsign(token)
    except signing.BadSignature:
        return None
    code, _sep, digest = value.partition(".")
    return code, lambda secret: links.secret_digest(secret) == digest


def submit_by_token(
    token: str,
    attempt_id: uuid.UUID | str,
    answers: Mapping[str, Any] | None = None,
    now: dt.datetime | None = None,
) -> Attempt | None:
    """`submit` for the delegate a token opens, in one locked read and one UPDATE.

    2,000 submissions a second leave ~1 ms of a core each: the attempt and its owner come in
    one raw query (no ORM compiling, no separate delegate lookup), and the write is one raw
    UPDATE. None when the token, the attempt or their owner do not match: the caller then takes
    the ordinary path, which says exactly what is wrong.
    """
    owner = _token_owner(token)
    try:
        key = uuid.UUID(str(attempt_id))
    except ValueError:
        return None
    if owner is None:
        return None
    code, owns = owner
    now = now or timezone.now()
    sql = _SUBMIT_SQL + (" FOR UPDATE OF a" if connection.vendor == "postgresql" else "")
    with writelock.sqlite_writer(), transaction.atomic():
        found = list(Attempt.objects.raw(sql, [_prep("id", key)]))
        if not found:
            return None
        attempt = found[0]
        if attempt.owner_code != code or not owns(attempt.owner_secret):  # type: ignore[attr-defined]
            return None
        if attempt.submitted_at is not None:
            return attempt
        late = now >= attempt.deadline
        extra = {} if late or not answers else _clean(attempt, answers)
        _finish(attempt, extra, now, auto=late)
    return attempt


def _finish(attempt: Attempt, extra: dict[str, list[int]], now: dt.datetime, auto: bool) -> None:
    answers = {**attempt.answers, **extra}
    keys = {int(q): ScoringKey("", frozenset(mark[1:]), mark[0]) for q, mark in attempt.key.items()}
    score, maximum = score_answers(keys, answers)
    attempt.answers = answers
    attempt.score = score
    attempt.max_score = maximum
    attempt.passed = passed(score, maximum, attempt.pass_percent)
    attempt.submitted_at = min(now, attempt.deadline) if auto else now
    attempt.auto_submitted = auto
    # The result and the completion mark are one transaction: a process killed between them
    # would leave a pass that the counters never count.
    with transaction.atomic():
        # Only an unsubmitted row is written: two racing finishes leave the first result. Raw SQL:
        # on the submission hot path the ORM's UPDATE compiler cost more than the write itself.
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {_ATTEMPTS} SET answers = %s, score = %s, max_score = %s, passed = %s, "  # noqa: S608
                "submitted_at = %s, auto_submitted = %s WHERE id = %s AND submitted_at IS NULL",
                [
                    _prep("answers", answers), score, maximum, attempt.passed,
                    _prep("submitted_at", attempt.submitted_at), auto, _prep("id", attempt.pk),
                ],
            )  # fmt: skip
            written = cursor.rowcount
        if written and attempt.passed:  # only a pass can change completion
            completion_counters.mark_delegate(attempt.conference_id, attempt.delegate_id)


def questions_for(attempt: Attempt) -> list[dict[str, Any]]:
    """The attempt's questions as shown: options in the delegate's order, keeping their index.

    Correct answers and explanations are included only once the attempt is submitted.
    """
    rows = {q.pk: q for q in Question.objects.filter(pk__in=attempt.question_ids)}
    shown = []
    done = attempt.submitted_at is not None
    for qid in attempt.question_ids:
        q = rows.get(qid)
        if q is None:
            continue
        order = attempt.option_orders.get(str(qid), list(range(len(q.options))))
        chosen = attempt.answers.get(str(qid), [])
        item: dict[str, Any] = {
            "id": qid,
            "kind": q.kind,
            "multiple": q.kind == QuestionKind.MULTIPLE,
            "text": q.text,
            "points": q.points,
            "options": [
                {"index": i, "text": q.options[i], "chosen": i in chosen}
                for i in order
                if i < len(q.options)
            ],
        }
        if done:
            item["correct"] = list(q.correct)
            item["right"] = frozenset(chosen) == frozenset(q.correct)
            item["explanation"] = q.explanation
        shown.append(item)
    return shown

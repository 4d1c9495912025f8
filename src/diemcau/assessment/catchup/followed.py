"""Sessions a delegate followed by watching their recording (the rule's share of at least one
recording of the session) without having attended them."""

from collections import defaultdict
from collections.abc import Iterable

from diemcau.assessment.catchup.models import CatchUpView
from diemcau.assessment.catchup.rule import rule_of
from diemcau.attendance.models import CheckIn


def watched(delegate_ids: Iterable[int], conference_id: int) -> dict[int, dict[int, float]]:
    """delegate → session → the best share watched of one of its recordings (0…1)."""
    ids = list(delegate_ids)
    best: dict[int, dict[int, float]] = defaultdict(dict)
    rows = CatchUpView.objects.filter(
        delegate_id__in=ids, session__day__conference_id=conference_id
    ).values_list("delegate_id", "session_id", "watched_s", "duration_s")
    for delegate_id, session_id, seconds, length in rows.iterator(chunk_size=2000):
        share = min(1.0, seconds / length) if length > 0 else 0.0
        sessions = best[delegate_id]
        sessions[session_id] = max(sessions.get(session_id, 0.0), share)
    return best


def watched_minutes(delegate_ids: Iterable[int], conference_id: int) -> dict[int, float]:
    ids = list(delegate_ids)
    out: dict[int, float] = defaultdict(float)
    rows = CatchUpView.objects.filter(
        delegate_id__in=ids, session__day__conference_id=conference_id
    ).values_list("delegate_id", "watched_s")
    for delegate_id, seconds in rows.iterator(chunk_size=2000):
        out[delegate_id] += seconds / 60
    return {k: round(v, 1) for k, v in out.items()}


def caught_up(delegate_ids: Iterable[int], conference_id: int) -> dict[int, int]:
    """delegate → sessions followed by recording and not attended, under the rule in force."""
    rule = rule_of(conference_id)
    if rule is None:
        return {}
    needed = rule.percent / 100
    shares = watched(delegate_ids, conference_id)
    candidates = {
        (d, s) for d, sessions in shares.items() for s, share in sessions.items() if share >= needed
    }
    if not candidates:
        return {}
    attended = set(
        CheckIn.objects.filter(
            delegate_id__in={d for d, _s in candidates},
            session_id__in={s for _d, s in candidates},
            annulled_at__isnull=True,
        ).values_list("delegate_id", "session_id")
    )
    out: dict[int, int] = defaultdict(int)
    for pair in candidates - attended:
        out[pair[0]] += 1
    return dict(out)

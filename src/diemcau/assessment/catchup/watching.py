"""The player's reports of what was played, credited so that they cannot be inflated.

The player sends the ranges of the recording it has played (the media element's `played`, in
seconds), every 30 s and when the page closes. A report is a snapshot, not a delta: sending the
same ranges twice, or from two tabs, adds nothing (the union is kept). Ranges are clipped to the
recording's length, and the seconds credited never exceed the wall time since the first report
(plus one report's worth of slack): watching at double speed, many reports a second, or a forged
report of the whole recording, are all credited at the rate of the clock.
"""

import datetime as dt
from collections.abc import Iterable, Sequence

from django.db import transaction
from django.utils import timezone

SLACK_S = 60.0  # the first report may carry this much (the player reports every 30 s)
MAX_RANGES = 500

Range = tuple[float, float]


def merge(ranges: Iterable[Sequence[float]], length: float) -> list[Range]:
    """Sorted, disjoint ranges inside [0, length]; empty and malformed ones dropped."""
    cleaned: list[Range] = []
    for item in ranges:
        if len(item) != 2:
            continue
        start, end = max(0.0, float(item[0])), min(float(length), float(item[1]))
        if end > start:
            cleaned.append((start, end))
    cleaned.sort()
    out: list[Range] = []
    for start, end in cleaned:
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def total(ranges: Iterable[Range]) -> float:
    return sum(end - start for start, end in ranges)


def subtract(new: list[Range], old: list[Range]) -> list[Range]:
    """The parts of `new` not covered by `old` (both sorted and disjoint)."""
    out: list[Range] = []
    for start, end in new:
        cursor = start
        for o_start, o_end in old:
            if o_end <= cursor or o_start >= end:
                continue
            if o_start > cursor:
                out.append((cursor, o_start))
            cursor = max(cursor, o_end)
            if cursor >= end:
                break
        if cursor < end:
            out.append((cursor, end))
    return out


def credit(old: list[Range], reported: list[Range], allowance: float) -> list[Range]:
    """`old` plus the new parts of `reported`, earliest first, up to `allowance` seconds."""
    added: list[Range] = []
    left = max(0.0, allowance)
    for start, end in subtract(reported, old):
        if left <= 0:
            break
        take = min(end - start, left)
        added.append((start, start + take))
        left -= take
    return merge([*old, *added], float("inf"))


def allowance(first_at: dt.datetime, watched_s: float, now: dt.datetime) -> float:
    """Seconds a report may still add: the clock since the first report, less what is credited."""
    return max(0.0, (now - first_at).total_seconds() + SLACK_S - watched_s)


def record(  # noqa: PLR0917 - one report's facts, named at every call
    delegate_id: int,
    recording_id: int,
    session_id: int,
    duration_s: float,
    ranges: Sequence[Sequence[float]],
    now: dt.datetime | None = None,
) -> tuple[float, float]:
    """Credit one report; returns (seconds watched, the recording's length)."""
    from diemcau.assessment.catchup.models import CatchUpView

    now = now or timezone.now()
    reported = merge(list(ranges)[:MAX_RANGES], duration_s)
    with transaction.atomic():
        view, _created = CatchUpView.objects.select_for_update().get_or_create(
            delegate_id=delegate_id,
            recording_id=recording_id,
            defaults={
                "session_id": session_id,
                "duration_s": duration_s,
                "first_at": now,
                "reported_at": now,
            },
        )
        old = [(float(a), float(b)) for a, b in view.ranges]
        kept = credit(old, reported, allowance(view.first_at, total(old), now))
        kept = merge(kept, duration_s)
        view.ranges = [[round(a, 3), round(b, 3)] for a, b in kept]
        view.watched_s = round(total(kept), 3)
        view.duration_s = duration_s
        view.reported_at = now
        view.reports += 1
        view.save()
    return view.watched_s, duration_s

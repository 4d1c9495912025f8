"""What every virtual site will do on the day, decided up front, and the truth it implies.

The plan is drawn from a seed, so a run can be repeated. Every scan gets its client UUID here:
a scan sent twice (a batch whose answer was "lost") carries the same UUID both times, while a
person scanned twice at the door is two scans with two UUIDs — the server must count each
person once either way. The expected totals are computed from the plan alone, never from what
the server answered, so the reconciliation compares two independent counts.
"""

import datetime as dt
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from diemcau.agent.ids import uuid7
from diemcau.simulation.prepare import Stage

_START_MS = int(time.time() * 1000)

SILENT_SHARE = 0.005  # sites that never connect
HEADCOUNT_SHARE = 0.10  # sites that count heads instead of scanning
OFFLINE_EARLIER_SHARE = 0.03  # sites whose scans were made offline an hour early, synced late
RESEND_SHARE = 0.05  # sites whose batches are sent twice (the answer was lost)
DROP_AT_END_SHARE = 0.01  # sites that stop sending before the end: must show offline
QUESTION_SHARE = 0.20  # sites that ask questions
PRESENT = 0.93  # delegates who come and are scanned
RESCAN = 0.02  # scanned twice at the door
GUEST = 0.005  # scanned at another site than their own
FORGED = 0.05  # sites where one forged badge is scanned
QUESTIONS = [
    "Thủ tục chuyển công chức cấp huyện về cấp xã thực hiện thế nào?",
    "Kinh phí hoạt động của xã mới lấy từ nguồn nào trong năm đầu?",
    "Con dấu của xã mới được cấp ở đâu, bao lâu?",
    "Hồ sơ đất đai của huyện cũ bàn giao cho xã theo trình tự nào?",
    "Chế độ phụ cấp của cán bộ không chuyên trách sau sắp xếp ra sao?",
    "Trụ sở dôi dư sau sắp xếp được xử lý theo quy định nào?",
]

Scan = tuple[str, str, str, str]  # client id, badge text, site code, scanned_at (ISO)


@dataclass
class Plan:
    silent: set[str] = field(default_factory=set)
    drop_at_end: set[str] = field(default_factory=set)
    connected: list[str] = field(default_factory=list)
    scans: list[Scan] = field(default_factory=list)  # on time
    late_scans: list[Scan] = field(default_factory=list)  # made offline an hour early, sent last
    resent_sites: set[str] = field(default_factory=set)
    headcounts: list[tuple[str, str, int]] = field(default_factory=list)  # id, site, count
    questions: list[tuple[str, str, str]] = field(default_factory=list)  # id, site, text
    question_resends: list[tuple[str, str, str]] = field(default_factory=list)
    # The truth, from the plan alone:
    expect_checked_in: int = 0
    expect_rejected: int = 0
    expect_headcount: int = 0
    expect_reporting: int = 0
    expect_questions: int = 0


_clock = [0]


def _uuid(rng: random.Random) -> str:
    """Time-ordered (v7), as the consoles make them: one millisecond apart, in plan order."""
    _clock[0] += 1
    return str(uuid7(_START_MS + _clock[0], rng.getrandbits(80).to_bytes(10, "big")))


def _forge(badge: str) -> str:
    head, mac = badge.rsplit(":", 1)
    return f"{head}:{'0' if mac[0] != '0' else '1'}{mac[1:]}"


def make_plan(stage: Stage, seed: int) -> Plan:
    # The session is new on every run, and so are the client UUIDs drawn with it.
    rng = random.Random(f"{seed}:{stage.session_id}")
    plan = Plan()
    start = stage.session_start.astimezone(dt.UTC)
    counting: set[str] = set()
    for code in stage.sites:  # first the kind of each site, so guests go only where people scan
        if rng.random() < SILENT_SHARE:
            plan.silent.add(code)
            continue
        plan.connected.append(code)
        if rng.random() < HEADCOUNT_SHARE:
            counting.add(code)
    scanning = [c for c in plan.connected if c not in counting]
    reporting: set[str] = set()
    for code in plan.connected:
        if rng.random() < DROP_AT_END_SHARE:
            plan.drop_at_end.add(code)
        if rng.random() < QUESTION_SHARE:
            for _ in range(rng.randint(1, 2)):
                question = (_uuid(rng), code, rng.choice(QUESTIONS))
                plan.questions.append(question)
                if rng.random() < 0.1:
                    plan.question_resends.append(question)
        badges = stage.badges.get(code, [])
        if code in counting:
            count = round(len(badges) * PRESENT)
            plan.headcounts.append((_uuid(rng), code, count + 3))
            plan.headcounts.append((_uuid(rng), code, count))  # a correction supersedes it
            plan.expect_headcount += count
            reporting.add(code)
            continue
        _scan_site(plan, rng, code, badges, scanning, start, reporting)
    plan.expect_reporting = len(reporting)
    plan.expect_questions = len(plan.questions)
    return plan


def cap_questions(plan: Plan, at_most: int) -> None:
    """Keep the first `at_most` questions (and the resends among them); the truth follows."""
    plan.questions = plan.questions[:at_most]
    kept = set(plan.questions)
    plan.question_resends = [q for q in plan.question_resends if q in kept]
    plan.expect_questions = len(plan.questions)


def _scan_site(  # noqa: PLR0917 - the plan's state, passed along
    plan: Plan,
    rng: random.Random,
    code: str,
    badges: list[str],
    scanning: list[str],
    start: dt.datetime,
    reporting: set[str],
) -> None:
    late = rng.random() < OFFLINE_EARLIER_SHARE
    if rng.random() < RESEND_SHARE:
        plan.resent_sites.add(code)
    target = plan.late_scans if late else plan.scans
    for badge in badges:
        if rng.random() >= PRESENT:
            continue
        where = code if rng.random() >= GUEST else rng.choice(scanning)
        offset = rng.uniform(55, 65) if late else rng.uniform(0, 30)
        when = (start - dt.timedelta(minutes=offset)).isoformat()
        target.append((_uuid(rng), badge, where, when))
        plan.expect_checked_in += 1
        reporting.add(where)
        if rng.random() < RESCAN:
            target.append((_uuid(rng), badge, where, when))
            plan.expect_rejected += 1  # already checked in
    if badges and rng.random() < FORGED:
        target.append((_uuid(rng), _forge(rng.choice(badges)), code, start.isoformat()))
        plan.expect_rejected += 1


def batches(scans: list[Scan], size: int) -> Iterator[list[Scan]]:
    for i in range(0, len(scans), size):
        yield scans[i : i + size]

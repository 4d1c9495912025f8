"""The model event as demo data: the national training conference of 14–15 June 2025.

Source: a news article of 14 June 2025 on the conference (its text is kept with the project's
shared reference material; the product cites the article, not a file).
(«Sáng ngày 14/6, Học viện Chính trị quốc gia Hồ Chí Minh tổ chức hội nghị toàn quốc tập huấn về
tổ chức và hoạt động của tổ chức Đảng, chính quyền, Mặt trận Tổ quốc, các đoàn thể chính trị ở cấp
xã (mới)…»). From it come: the name, the host (Học viện Chính trị quốc gia Hồ Chí Minh), the two
days 14 and 15 June 2025, the hybrid format (in person and online), the targets (11,000 sites,
over 1.5 million delegates), the count of 15 topics, and the three topics whose presenters it
names, with their positions exactly as the article gives them.

The demo is a *living* one: its two days are today and tomorrow (Asia/Ho_Chi_Minh) and today holds
a technical rehearsal (a session of kind "rehearsal" of this same conference) that ended a few
minutes ago and the first session, which began a quarter of an hour ago, so that a newcomer can
check people in, ask questions and watch the dashboards move at once. The conference still cites
the model event of 14–15 June 2025 as its source. Run again on another day, the loader moves the
same days and sessions (same ids, same topics) to the new today.

Everything else is marked as sample: the session times and the placing of topics in sessions are
assumed (the article gives neither), and the twelve remaining topics are built from the themes the
article lists (decentralisation by sector, state management, the two-tier local government
apparatus, the Party committee / People's Council / People's Committee competences). They carry
`is_sample=True`, a "[Chuyên đề mẫu]" prefix and no speaker: no official's name is invented.
"""

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from diemcau.programme.models import (
    Conference,
    Day,
    Format,
    Session,
    SessionKind,
    SessionStatus,
    Speaker,
    Topic,
)

SLUG = "tap-huan-cap-xa-2025"
SOURCE = (
    "tin bài ngày 14/6/2025 “Hội nghị toàn quốc tập huấn về tổ chức và hoạt động của tổ chức "
    "Đảng, chính quyền, Mặt trận Tổ quốc, các đoàn thể chính trị ở cấp xã (mới)” "
    "(Học viện Chính trị quốc gia Hồ Chí Minh tổ chức)"
)
SAMPLE_PREFIX = "[Chuyên đề mẫu] "
SAMPLE_NOTE = (
    "Chuyên đề mẫu dựng từ các nội dung bài báo nêu; không phải chuyên đề chính thức, "
    "chưa có báo cáo viên."
)

CONFERENCE = {
    "slug": SLUG,
    "name": (
        "Hội nghị toàn quốc tập huấn về tổ chức và hoạt động của tổ chức Đảng, chính quyền, "
        "Mặt trận Tổ quốc, các đoàn thể chính trị ở cấp xã (mới)"
    ),
    "host": "Học viện Chính trị quốc gia Hồ Chí Minh",
    "format": Format.HYBRID,
    "target_sites": 11_000,
    "target_delegates": 1_500_000,
    "description": (
        "Trực tiếp kết hợp trực tuyến từ điểm cầu Trung ương đến điểm cầu các cấp, các ngành và "
        "tới cấp xã; 15 chuyên đề do lãnh đạo các ban, bộ, ngành Trung ương truyền đạt. "
        "Bản demo: ngày được dời về hôm nay và ngày mai (sự kiện gốc diễn ra ngày 14–15/6/2025), "
        "giờ các phiên là giả định. Nguồn: " + SOURCE
    ),
}

SOURCE_DATES = (dt.date(2025, 6, 14), dt.date(2025, 6, 15))  # the model event's own two days
REHEARSAL_TITLE = "Kiểm tra kỹ thuật toàn quốc (tổng duyệt)"
SESSION_TITLES = ("Phiên thứ nhất", "Phiên thứ hai", "Phiên thứ ba", "Phiên thứ tư")
# Times are assumed (the article gives none): the first session began LIVE_SINCE ago, the
# rehearsal ran before it; the others follow, on the second day at the usual hours.
LIVE_SINCE = dt.timedelta(minutes=15)
FIRST_DAY_SESSIONS = 2  # at most, after the rehearsal; the others on the second day
REHEARSAL_LENGTH = dt.timedelta(minutes=60)
BREAK = dt.timedelta(minutes=30)
DAY2_SLOTS = (
    (dt.time(7, 30), dt.time(11, 30)),
    (dt.time(13, 30), dt.time(17, 0)),
    (dt.time(17, 30), dt.time(21, 0)),
)

# The three topics and presenters named by the article (positions as the article gives them).
NAMED = (
    (
        "Công tác xây dựng Đảng, tổ chức cơ sở Đảng, bộ máy và hoạt động của cấp ủy cấp xã (mới)",
        "Xây dựng Đảng",
        ("Nguyễn Quang Dương", "Ủy viên Trung ương Đảng, Phó Trưởng ban Tổ chức Trung ương",
         "Ban Tổ chức Trung ương"),
    ),
    (
        "Tổ chức và hoạt động của Mặt trận Tổ quốc, các tổ chức chính trị - xã hội "
        "(cấp tỉnh, cấp xã) theo mô hình mới",
        "Mặt trận Tổ quốc, đoàn thể",
        ("Nguyễn Thị Thu Hà",
         "Ủy viên Trung ương Đảng, Phó Bí thư Đảng ủy Mặt trận Tổ quốc, các đoàn thể Trung ương, "
         "Phó Chủ tịch - Tổng Thư ký Ủy ban Trung ương Mặt trận Tổ quốc Việt Nam",
         "Ủy ban Trung ương Mặt trận Tổ quốc Việt Nam"),
    ),
    (
        "Tổng quan chức năng, nhiệm vụ, quyền hạn của chính quyền địa phương 2 cấp; những vấn đề "
        "chung về phân cấp, phân quyền và phân định thẩm quyền cho chính quyền địa phương 2 cấp",
        "Nội vụ",
        ("Phạm Thị Thanh Trà",
         "Ủy viên Trung ương Đảng, Bộ trưởng Bộ Nội vụ (Phó Trưởng ban Chỉ đạo của Chính phủ về "
         "sắp xếp đơn vị hành chính các cấp và tổ chức chính quyền địa phương 2 cấp)",
         "Bộ Nội vụ"),
    ),
)  # fmt: skip

# Twelve sample topics from the article's themes ("phần lớn là các nội dung về phân cấp, phân
# quyền các lĩnh vực"; quản lý nhà nước; tổ chức bộ máy; thẩm quyền cấp ủy, HĐND, UBND).
SAMPLE = (
    ("Tổ chức bộ máy và vận hành chính quyền địa phương 2 cấp", "Nội vụ"),
    ("Phân định thẩm quyền của cấp ủy, Hội đồng nhân dân, Ủy ban nhân dân cấp tỉnh, cấp xã",
     "Nội vụ"),
    ("Tiếp nhận nhiệm vụ, thẩm quyền được phân cấp, phân quyền trong lĩnh vực tài chính, "
     "ngân sách", "Tài chính"),
    ("Phân cấp, phân quyền trong lĩnh vực đất đai, tài nguyên và môi trường",
     "Nông nghiệp và Môi trường"),
    ("Phân cấp, phân quyền trong lĩnh vực xây dựng, quy hoạch đô thị và nông thôn", "Xây dựng"),
    ("Phân cấp, phân quyền trong lĩnh vực tư pháp, hộ tịch và chứng thực", "Tư pháp"),
    ("Phân cấp, phân quyền trong lĩnh vực giáo dục và đào tạo", "Giáo dục và Đào tạo"),
    ("Phân cấp, phân quyền trong lĩnh vực y tế và bảo hiểm xã hội", "Y tế"),
    ("Phân cấp, phân quyền trong lĩnh vực công thương và đầu tư", "Công Thương"),
    ("Phân cấp, phân quyền trong lĩnh vực văn hóa, thể thao và du lịch",
     "Văn hóa, Thể thao và Du lịch"),
    ("Quản lý nhà nước về quốc phòng, an ninh, trật tự an toàn xã hội ở cấp xã",
     "Quốc phòng, an ninh"),
    ("Giải quyết khó khăn, vướng mắc phát sinh trong quá trình sắp xếp tổ chức bộ máy",
     "Nội vụ"),
)  # fmt: skip
TOPICS_PER_SESSION = 4  # 15 topics over 4 sessions: 4, 4, 4, 3
TOPIC_MINUTES = 50


@dataclass(frozen=True)
class Slot:
    date: dt.date
    title: str
    starts_at: dt.time
    ends_at: dt.time
    kind: str


def schedule(now: dt.datetime) -> list[Slot]:
    """The demo's rehearsal and sessions around `now`: the rehearsal just ended, the first
    session live (it began LIVE_SINCE ago), the rest after it; all within two days."""
    local = now.astimezone(ZoneInfo(settings.TIME_ZONE))
    today = local.date()
    midnight = dt.datetime.combine(today, dt.time(0, 0), tzinfo=local.tzinfo)
    last = dt.datetime.combine(today, dt.time(23, 59), tzinfo=local.tzinfo)
    start = max(midnight, (local - LIVE_SINCE).replace(second=0, microsecond=0))
    length = dt.timedelta(minutes=TOPICS_PER_SESSION * TOPIC_MINUTES)
    slots: list[Slot] = []
    rehearsal_start = max(midnight, start - REHEARSAL_LENGTH - dt.timedelta(minutes=5))
    rehearsal_end = start - dt.timedelta(minutes=5)
    if rehearsal_end > rehearsal_start:
        slots.append(
            Slot(
                today,
                REHEARSAL_TITLE,
                rehearsal_start.time(),
                rehearsal_end.time(),
                SessionKind.REHEARSAL,
            )
        )
    end = min(last, start + length)
    titles = iter(SESSION_TITLES)
    slots.append(Slot(today, next(titles), start.time(), end.time(), SessionKind.SESSION))
    following = end + BREAK
    second_day = iter(DAY2_SLOTS)
    today_count = 1
    for title in titles:
        if today_count < FIRST_DAY_SESSIONS and following + length <= last:
            stop = following + length
            slots.append(Slot(today, title, following.time(), stop.time(), SessionKind.SESSION))
            following, today_count = stop + BREAK, today_count + 1
            continue
        today_count = FIRST_DAY_SESSIONS  # once on the second day, the rest follow there
        begins, ends = next(second_day)
        slots.append(Slot(today + dt.timedelta(days=1), title, begins, ends, SessionKind.SESSION))
    return slots


def _topic_plan() -> list[tuple[str, str, str, tuple[str, str, str] | None, bool]]:
    return [(title, "", sector, speaker, False) for title, sector, speaker in NAMED] + [
        (SAMPLE_PREFIX + title, SAMPLE_NOTE, sector, None, True) for title, sector in SAMPLE
    ]


@transaction.atomic
def load_demo_programme(now: dt.datetime | None = None) -> str:
    """Create the demo conference dated around `now`; run again, it moves the same conference to
    the new today (or, on the same day, changes nothing)."""
    now = now or timezone.now()
    slots = schedule(now)
    existing = Conference.objects.filter(slug=SLUG).first()
    if existing is not None:
        if _has_live_session(existing, now):
            return f"Chương trình mẫu đã có: {existing.name} ({existing.topics_count()} chuyên đề)."
        _move(existing, slots)
        return (
            f"Chương trình mẫu đã dời về hôm nay ({slots[0].date:%d/%m/%Y}): {existing.name} "
            f"({existing.topics_count()} chuyên đề)."
        )
    dates = sorted({slot.date for slot in slots})
    conference = Conference.objects.create(**CONFERENCE, starts_on=dates[0], ends_on=dates[-1])
    days = {date: Day.objects.create(conference=conference, date=date) for date in dates}
    sessions = [
        Session.objects.create(
            day=days[slot.date],
            title=slot.title,
            starts_at=slot.starts_at,
            ends_at=slot.ends_at,
            kind=slot.kind,
        )
        for slot in slots
    ]
    regular = [s for s in sessions if s.kind == SessionKind.SESSION]
    plan = _topic_plan()
    for index, (title, summary, sector, speaker, sample) in enumerate(plan):
        topic = Topic.objects.create(
            session=regular[index // TOPICS_PER_SESSION],
            number=index + 1,
            order=index % TOPICS_PER_SESSION + 1,
            title=title,
            summary=summary,
            sector=sector,
            planned_minutes=TOPIC_MINUTES,
            is_sample=sample,
        )
        if speaker is not None:
            name, position, organisation = speaker
            person, _created = Speaker.objects.get_or_create(
                name=name, defaults={"title": position, "organisation": organisation}
            )
            topic.speakers.add(person)
    return (
        f"Đã tạo chương trình mẫu: {conference.name}, {len(days)} ngày từ hôm nay "
        f"{dates[0]:%d/%m/%Y} (có buổi kiểm tra kỹ thuật và phiên đang diễn ra), {len(plan)} "
        f"chuyên đề (3 chuyên đề theo bài báo, {len(SAMPLE)} chuyên đề mẫu; sự kiện gốc ngày "
        f"14–15/6/2025). Nguồn: {SOURCE}"
    )


def _has_live_session(conference: Conference, now: dt.datetime) -> bool:
    sessions = Session.objects.filter(day__conference=conference, kind=SessionKind.SESSION)
    return any(s.status_at(now) == SessionStatus.LIVE for s in sessions.select_related("day"))


def _move(conference: Conference, slots: list[Slot]) -> None:
    """Give the demo's days and sessions the dates and times of `slots`, keeping their ids (the
    topics, check-ins and questions that point at them follow)."""
    dates = sorted({slot.date for slot in slots})
    days = list(conference.days.order_by("date"))
    # Out of the way first: (conference, date) is unique and the new dates may overlap the old.
    far = dt.date(1900, 1, 1)
    for offset, day in enumerate(days):
        day.date = far + dt.timedelta(days=offset)
        day.save(update_fields=["date"])
    by_date: dict[dt.date, Day] = {}
    for date in dates:
        day = days.pop(0) if days else Day(conference=conference)
        day.date = date
        day.save()
        by_date[date] = day
    sessions = list(
        Session.objects.filter(day__conference=conference).order_by("day__date", "starts_at")
    )
    rehearsals = [s for s in sessions if s.kind == SessionKind.REHEARSAL]
    regular = [s for s in sessions if s.kind != SessionKind.REHEARSAL]
    for slot in slots:
        pool = rehearsals if slot.kind == SessionKind.REHEARSAL else regular
        session = pool.pop(0) if pool else Session(kind=slot.kind)
        session.day = by_date[slot.date]
        session.title = slot.title
        session.starts_at, session.ends_at = slot.starts_at, slot.ends_at
        session.status = SessionStatus.PLANNED
        session.save()
    for day in days:  # days the new schedule no longer needs, once their sessions moved away
        if not day.sessions.exists():
            day.delete()
    conference.starts_on, conference.ends_on = dates[0], dates[-1]
    conference.description = str(CONFERENCE["description"])
    conference.save(update_fields=["starts_on", "ends_on", "description"])

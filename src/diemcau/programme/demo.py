"""The model event as demo data: the national training conference of 14–15 June 2025.

Source: a news article of 14 June 2025 on the conference (its text is kept with the project's
shared reference material; the product cites the article, not a file).
(«Sáng ngày 14/6, Học viện Chính trị quốc gia Hồ Chí Minh tổ chức hội nghị toàn quốc tập huấn về
tổ chức và hoạt động của tổ chức Đảng, chính quyền, Mặt trận Tổ quốc, các đoàn thể chính trị ở cấp
xã (mới)…»). From it come: the name, the host (Học viện Chính trị quốc gia Hồ Chí Minh), the two
days 14 and 15 June 2025, the hybrid format (in person and online), the targets (11,000 sites,
over 1.5 million delegates), the count of 15 topics, and the three topics whose presenters it
names, with their positions exactly as the article gives them.

Everything else is marked as sample: the session times and the placing of topics in sessions are
assumed (the article gives neither), and the twelve remaining topics are built from the themes the
article lists (decentralisation by sector, state management, the two-tier local government
apparatus, the Party committee / People's Council / People's Committee competences). They carry
`is_sample=True`, a "[Chuyên đề mẫu]" prefix and no speaker: no official's name is invented.
"""

import datetime as dt

from django.db import transaction

from diemcau.programme.models import Conference, Day, Format, Session, Speaker, Topic

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
    "starts_on": dt.date(2025, 6, 14),
    "ends_on": dt.date(2025, 6, 15),
    "format": Format.HYBRID,
    "target_sites": 11_000,
    "target_delegates": 1_500_000,
    "description": (
        "Trực tiếp kết hợp trực tuyến từ điểm cầu Trung ương đến điểm cầu các cấp, các ngành và "
        "tới cấp xã; 15 chuyên đề do lãnh đạo các ban, bộ, ngành Trung ương truyền đạt. "
        "Giờ các phiên là giả định cho bản demo. Nguồn: " + SOURCE
    ),
}

# (date, title, start, end): times are assumed, the article gives none.
SESSIONS = (
    (dt.date(2025, 6, 14), "Phiên sáng", dt.time(7, 30), dt.time(11, 30)),
    (dt.date(2025, 6, 14), "Phiên chiều", dt.time(13, 30), dt.time(17, 0)),
    (dt.date(2025, 6, 15), "Phiên sáng", dt.time(7, 30), dt.time(11, 30)),
    (dt.date(2025, 6, 15), "Phiên chiều", dt.time(13, 30), dt.time(17, 0)),
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


@transaction.atomic
def load_demo_programme() -> str:
    """Create the demo conference once; calling it again changes nothing."""
    existing = Conference.objects.filter(slug=SLUG).first()
    if existing is not None:
        return f"Chương trình mẫu đã có: {existing.name} ({existing.topics_count()} chuyên đề)."
    conference = Conference.objects.create(**CONFERENCE)
    days = {
        date: Day.objects.create(conference=conference, date=date)
        for date in sorted({s[0] for s in SESSIONS})
    }
    sessions = [
        Session.objects.create(day=days[date], title=title, starts_at=start, ends_at=end)
        for date, title, start, end in SESSIONS
    ]
    plan: list[tuple[str, str, str, tuple[str, str, str] | None, bool]] = [
        (title, "", sector, speaker, False) for title, sector, speaker in NAMED
    ] + [(SAMPLE_PREFIX + title, SAMPLE_NOTE, sector, None, True) for title, sector in SAMPLE]
    for index, (title, summary, sector, speaker, sample) in enumerate(plan):
        topic = Topic.objects.create(
            session=sessions[index // TOPICS_PER_SESSION],
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
        f"Đã tạo chương trình mẫu: {conference.name}, {len(days)} ngày, {len(plan)} chuyên đề "
        f"(3 chuyên đề theo bài báo, {len(SAMPLE)} chuyên đề mẫu). Nguồn: {SOURCE}"
    )

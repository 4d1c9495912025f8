"""The conference's full title on a badge (issue 17, finding 6: the demo's title was cut to
"…CÁC ĐOÀN THỂ CHÍN…"), and the badge's text still inside its own box."""

import io
from typing import Any

from pypdf import PdfReader

from diemcau.delegates import badges
from diemcau.delegates.services import BadgeRow

# The model event's title (programme.demo), the longest a conference is likely to have.
TITLE = (
    "Hội nghị toàn quốc tập huấn về tổ chức và hoạt động của tổ chức Đảng, chính quyền, "
    "Mặt trận Tổ quốc, các đoàn thể chính trị ở cấp xã (mới)"
)
LONG = BadgeRow(
    "0000001X",
    "Nguyễn Thị Phương Thảo Hoàng Lê Minh Châu",
    "Phó Chủ tịch Ủy ban nhân dân phụ trách văn hóa - xã hội",
    "Ủy ban Mặt trận Tổ quốc Việt Nam thành phố Hà Nội",
    "0" * 32,
)


def drawn(pdf: bytes) -> list[tuple[str, float, float]]:
    """(text, x, y) of every string drawn on the first page."""
    found: list[tuple[str, float, float]] = []

    def visit(text: str, cm: Any, tm: Any, _font: Any, _size: Any) -> None:
        if text.strip():
            found.append((text.strip(), cm[4] + tm[4], cm[5] + tm[5]))

    PdfReader(io.BytesIO(pdf)).pages[0].extract_text(visitor_text=visit)
    return found


def test_the_whole_conference_title_is_printed_on_the_badge() -> None:
    pdf = badges.badge_sheet([LONG], conference=TITLE, site="Hội trường UBND Thành phố Hà Nội")
    head = [t for t, _x, _y in drawn(pdf) if t.rstrip("…") in TITLE.upper()]
    assert " ".join(head) == TITLE.upper()  # every word, no "…"


def test_a_long_title_leaves_every_line_inside_the_badge() -> None:
    pdf = badges.badge_sheet([LONG], conference=TITLE, site="Hội trường UBND Thành phố Hà Nội")
    left, bottom = badges.LEFT, badges.BOTTOM + (badges.ROWS - 1) * badges.BADGE_H
    for text, x, y in drawn(pdf):
        assert left <= x <= left + badges.BADGE_W, text
        assert bottom <= y <= bottom + badges.BADGE_H, text
    # The delegate's name stays below the title and above the site and the code.
    ys = {t: y for t, _x, y in drawn(pdf)}
    title_y = min(y for t, y in ys.items() if t in TITLE.upper())
    name_y = next(y for t, y in ys.items() if t.startswith("Nguyễn Thị"))
    assert ys["0000001X"] < name_y < title_y

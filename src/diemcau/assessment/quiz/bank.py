"""The question bank as a Vietnamese XLSX: the template organisers fill and its import.

One row per question: topic number, kind (một / nhiều), text, options A–F, the right letters
("B" or "A, C"), points, explanation. Every bad row is reported with its Excel row number and the
reason; nothing is written while any row is bad unless the organiser asked to keep the good ones.
"""

from dataclasses import dataclass, field
from typing import IO, Any

from django.db import transaction
from django.utils.translation import gettext as _

from diemcau import csvsafe
from diemcau.accounts.scopes import Scope
from diemcau.assessment.access import get_conference, require_organiser
from diemcau.assessment.conference_settings import saved_settings_for
from diemcau.assessment.models import Question, QuestionKind
from diemcau.programme.models import Conference, Topic
from diemcau.tabular import TableError, alias_index, find_header, read_table

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LETTERS = "ABCDEF"
HEADERS = {
    "topic": "Chuyên đề (số)",
    "kind": "Loại câu hỏi",
    "text": "Câu hỏi",
    **{f"option_{c}": f"Phương án {c}" for c in LETTERS},
    "correct": "Đáp án đúng",
    "points": "Điểm",
    "explanation": "Giải thích",
}
ALIASES = alias_index(
    {
        **{key: [title] for key, title in HEADERS.items()},
        "topic": [HEADERS["topic"], "Chuyên đề", "Số chuyên đề"],
        "kind": [HEADERS["kind"], "Loại"],
        "correct": [HEADERS["correct"], "Đáp án"],
    }
)
SINGLE_WORDS = {"", "mot", "một", "1", "don", "đơn", "single"}
MULTIPLE_WORDS = {"nhieu", "nhiều", "n", "multiple", "nhiều đáp án"}
MAX_POINTS = 100
EXAMPLES = [
    [
        "1",
        "một",
        "Chính quyền địa phương ở nước ta hiện nay được tổ chức theo mô hình mấy cấp?",
        "Một cấp",
        "Hai cấp",
        "Ba cấp",
        "Bốn cấp",
        "",
        "",
        "B",
        "1",
        "Mô hình chính quyền địa phương hai cấp: tỉnh và xã.",
    ],
    [
        "2",
        "nhiều",
        "Những cấp nào là cấp chính quyền địa phương sau sắp xếp?",
        "Cấp tỉnh",
        "Cấp huyện",
        "Cấp xã",
        "",
        "",
        "",
        "A, C",
        "2",
        "Cấp huyện đã kết thúc hoạt động.",
    ],
]


@dataclass
class RowError:
    row: int
    message: str


@dataclass
class BankReport:
    total: int = 0
    imported: int = 0
    errors: list[RowError] = field(default_factory=list)
    written: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "imported": self.imported,
            "written": self.written,
            "errors": [{"row": e.row, "message": e.message} for e in self.errors],
        }


def write_template(out: IO[bytes]) -> None:
    workbook = csvsafe.xlsx_workbook(out, {"in_memory": True})
    sheet = workbook.add_worksheet("Ngân hàng câu hỏi")
    title = workbook.add_format({"bold": True, "font_size": 14})
    bold = workbook.add_format(
        {"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True}
    )
    sheet.write_string(0, 0, "NGÂN HÀNG CÂU HỎI KIỂM TRA", title)
    sheet.write_string(
        1, 0, "Giữ nguyên dòng tiêu đề (dòng 4); nhập từ dòng 5; xóa các dòng ví dụ trước khi nhập."
    )
    widths = [12, 12, 60, 24, 24, 24, 24, 18, 18, 14, 8, 50]
    for col, (key, width) in enumerate(zip(HEADERS, widths, strict=True)):
        sheet.set_column(col, col, width)
        sheet.write_string(3, col, HEADERS[key], bold)
    for r, values in enumerate(EXAMPLES, start=4):
        for col, value in enumerate(values):
            sheet.write_string(r, col, value)
    sheet.freeze_panes(4, 0)
    guide = workbook.add_worksheet("Hướng dẫn")
    guide.set_column(0, 0, 20)
    guide.set_column(1, 1, 100)
    lines = [
        ("Chuyên đề (số)", "Số thứ tự chuyên đề của hội nghị; để trống nếu câu hỏi chung."),
        ("Loại câu hỏi", "“một” (một đáp án đúng) hoặc “nhiều” (nhiều đáp án đúng)."),
        ("Phương án A–F", "Ít nhất hai phương án, điền liên tiếp từ A."),
        ("Đáp án đúng", "Chữ cái của phương án đúng, ví dụ “B” hoặc “A, C”."),
        ("Điểm", "Số nguyên dương, mặc định 1."),
        ("Giải thích", "Hiển thị cho đại biểu sau khi nộp bài."),
    ]
    for row, (name, how) in enumerate(lines):
        guide.write_string(row, 0, name)
        guide.write_string(row, 1, how)
    workbook.close()


def _correct(text: str, options: int) -> tuple[list[int], str]:
    """ "B", "A, C" or "AC" → option indexes, or the reason they are wrong."""
    letters = [p.strip().upper() for p in text.replace(";", ",").split(",")]
    letters = [p for p in letters if p]
    if len(letters) == 1 and len(letters[0]) > 1:
        letters = list(letters[0])
    if not letters:
        return [], _("The correct answer is missing.")
    if any(ch not in LETTERS[:options] for ch in letters):
        return [], _("The correct answer “%(value)s” is not one of the options.") % {"value": text}
    return sorted({LETTERS.index(ch) for ch in letters}), ""


def _parse_row(  # noqa: PLR0911 - one return per reason a row is refused
    cells: dict[str, str], topics: dict[int, int]
) -> tuple[dict[str, Any] | None, str]:
    text = cells["text"].strip()
    if not text:
        return None, _("The question is empty.")
    options = [cells[f"option_{c}"].strip() for c in LETTERS]
    while options and not options[-1]:
        options.pop()
    if len(options) < 2:
        return None, _("A question needs at least two options.")
    if "" in options:
        return None, _("Options must be filled in order from A without gaps.")
    kind_word = cells["kind"].strip().lower()
    if kind_word in SINGLE_WORDS:
        kind = QuestionKind.SINGLE
    elif kind_word in MULTIPLE_WORDS:
        kind = QuestionKind.MULTIPLE
    else:
        return None, _("Unknown question kind “%(kind)s”: write “một” or “nhiều”.") % {
            "kind": cells["kind"]
        }
    correct, reason = _correct(cells["correct"], len(options))
    if reason:
        return None, reason
    if kind == QuestionKind.SINGLE and len(correct) != 1:
        return None, _("A single-choice question has exactly one correct answer.")
    points_text = cells["points"].strip() or "1"
    if not points_text.isdigit() or not 0 < int(points_text) <= MAX_POINTS:
        return None, _("Points must be a whole number from 1 to %(max)s.") % {"max": MAX_POINTS}
    number = cells["topic"].strip()
    if number and (not number.isdigit() or int(number) not in topics):
        return None, _("The conference has no topic number “%(number)s”.") % {"number": number}
    return {
        "kind": kind,
        "text": text,
        "options": options,
        "correct": correct,
        "points": int(points_text),
        "explanation": cells["explanation"].strip(),
        "topic_id": topics[int(number)] if number else None,
    }, ""


def import_bank(
    conference: Conference,
    source: Any,
    filename: str,
    *,
    dry_run: bool = False,
    skip_bad: bool = False,
) -> BankReport:
    report = BankReport()
    try:
        header, rows = find_header(read_table(source, filename), ALIASES)
    except TableError as exc:
        report.errors.append(RowError(exc.row, exc.message))
        return report
    if header is None or "text" not in header.columns:
        report.errors.append(
            RowError(0, _("The header row (“Câu hỏi”, “Phương án A”…) is missing."))
        )
        return report
    topics = dict(
        Topic.objects.filter(session__day__conference=conference).values_list("number", "pk")
    )
    good: list[Question] = []
    try:
        for number, raw in rows:
            if not any(raw):
                continue
            report.total += 1
            cells = {key: header.cell(raw, key) for key in HEADERS}
            values, reason = _parse_row(cells, topics)
            if values is None:
                report.errors.append(RowError(number, reason))
            else:
                good.append(Question(conference=conference, **values))
    except TableError as exc:
        report.errors.append(RowError(exc.row, exc.message))
        return report
    if dry_run or (report.errors and not skip_bad):
        return report
    with transaction.atomic():
        Question.objects.bulk_create(good)
        # A bank is an assessment: it gets its settings row (the defaults) here, on a write,
        # since reading settings no longer makes one (quiz.settings_for).
        saved_settings_for(conference.pk)
    report.imported = len(good)
    report.written = True
    return report


def bank(scope: Scope, conference_id: int) -> list[Question]:
    require_organiser(scope)
    get_conference(conference_id)
    return list(
        Question.objects.filter(conference_id=conference_id)
        .select_related("topic")
        .order_by("topic__number", "pk")
    )


def question_as_dict(q: Question) -> dict[str, Any]:
    return {
        "id": q.pk,
        "topic": q.topic.number if q.topic else None,
        "kind": q.kind,
        "text": q.text,
        "options": q.options,
        "correct": q.correct,
        "points": q.points,
        "explanation": q.explanation,
        "active": q.active,
    }

"""Message texts with {fields}, as the certificate template has them: checked when written (an
unknown field or an unclosed brace is refused then, in Vietnamese), filled per recipient."""

import string
from collections.abc import Mapping
from dataclasses import dataclass

from django.utils.translation import gettext as _

from diemcau.errors import Invalid

# field → what it prints (the Vietnamese names organisers type)
FIELDS = {
    "diem_cau": "tên điểm cầu",
    "ma_diem_cau": "mã điểm cầu",
    "don_vi": "đơn vị hành chính của điểm cầu",
    "nguoi_nhan": "họ tên người nhận (người liên hệ hoặc kỹ thuật viên)",
    "duong_dan": "đường dẫn mở bàn điều khiển của điểm cầu",
    "phien": "tên phiên",
    "thoi_gian": "thời gian bắt đầu phiên",
}
MAX_BODY_CHARS = 4000
MAX_SUBJECT_CHARS = 200


@dataclass(frozen=True)
class Text:
    subject: str
    body: str

    def uses(self, field: str) -> bool:
        return "{" + field + "}" in self.subject + self.body


def _check(text: str, label: str, field: str) -> None:
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError as exc:
        raise Invalid(
            _("A brace { or } is not closed in the %(what)s; write {{ or }} for a brace.")
            % {"what": label},
            {field: str(exc)},
        ) from exc
    unknown = [
        "{" + name + "}"
        for _lit, name, spec, conversion in parsed
        if name is not None and (name not in FIELDS or spec or conversion)
    ]
    if unknown:
        message = _("Unknown field(s) %(names)s in the %(what)s; fields: %(known)s.") % {
            "names": ", ".join(unknown),
            "what": label,
            "known": ", ".join("{" + f + "}" for f in FIELDS),
        }
        raise Invalid(message, {field: message})


def check(subject: str, body: str) -> Text:
    """The text cleaned, or Invalid naming what is wrong."""
    body = "\n".join(line.rstrip() for line in (body or "").strip().splitlines())
    subject = " ".join((subject or "").split())
    if not body:
        raise Invalid(_("The message text is empty."), {"body": _("Required.")})
    if len(body) > MAX_BODY_CHARS or len(subject) > MAX_SUBJECT_CHARS:
        raise Invalid(
            _("The message is too long: at most %(body)s characters, subject %(subject)s.")
            % {"body": MAX_BODY_CHARS, "subject": MAX_SUBJECT_CHARS}
        )
    _check(subject, _("subject"), "subject")
    _check(body, _("message text"), "body")
    return Text(subject, body)


def fill(text: str, values: Mapping[str, str]) -> str:
    return text.format_map({k: values.get(k, "") for k in FIELDS})

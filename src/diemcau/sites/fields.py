"""Cleaning of one site's values, shared by imports, forms and the API.

Spreadsheets from 11,000 sites are messy: phones written as +84…, 84…, with dots, or with the
leading zero that Excel dropped; numbers read back as 120.0; labels typed without diacritics.
Each cleaner returns the stored form or raises ValueError with a Vietnamese-ready message.
"""

import re
from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import TextChoices
from django.utils.translation import gettext as _

from diemcau.sites.models import Connection, SiteKind, SiteStatus
from diemcau.textnorm import fold, nfc

CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")
_PHONE_JUNK = re.compile(r"[\s.\-()/]")

# Labels people write in spreadsheets, folded, mapped to stored values. The English values and
# the Vietnamese display labels are accepted as well (added below from the choices).
_KIND_WORDS = {
    "dang": SiteKind.PARTY,
    "cap uy": SiteKind.PARTY,
    "dang uy": SiteKind.PARTY,
    "chinh quyen": SiteKind.STATE,
    "nha nuoc": SiteKind.STATE,
    "ubnd": SiteKind.STATE,
    "mat tran": SiteKind.FRONT,
    "mttq": SiteKind.FRONT,
    "doan the": SiteKind.FRONT,
    "nganh": SiteKind.SECTOR,
    "bo nganh": SiteKind.SECTOR,
    "luc luong vu trang": SiteKind.ARMED_FORCES,
    "llvt": SiteKind.ARMED_FORCES,
    "quan doi": SiteKind.ARMED_FORCES,
    "cong an": SiteKind.ARMED_FORCES,
    "khac": SiteKind.OTHER,
}
_CONNECTION_WORDS = {
    "internet": Connection.INTERNET,
    "mang truyen so lieu chuyen dung": Connection.GOVNET,
    "tslcd": Connection.GOVNET,
    "truyen so lieu chuyen dung": Connection.GOVNET,
    "truyen hinh hoi nghi": Connection.VIDEOCONF,
    "hoi nghi truyen hinh": Connection.VIDEOCONF,
    "4g": Connection.MOBILE,
    "5g": Connection.MOBILE,
    "4g/5g": Connection.MOBILE,
    "di dong": Connection.MOBILE,
    "khac": Connection.OTHER,
}
_STATUS_WORDS = {
    "da dang ky": SiteStatus.REGISTERED,
    "dang ky": SiteStatus.REGISTERED,
    "san sang": SiteStatus.READY,
    "da ket noi": SiteStatus.CONNECTED,
    "ket noi": SiteStatus.CONNECTED,
    "mat ket noi": SiteStatus.DISCONNECTED,
    "da huy": SiteStatus.WITHDRAWN,
    "huy": SiteStatus.WITHDRAWN,
}


def _choice(value: str, words: Mapping[str, str], choices: type[TextChoices], what: str) -> str:
    key = fold(value)
    for choice in choices:
        if key in (choice.value, fold(str(choice.label))):
            return str(choice.value)
    if key in words:
        return str(words[key])
    allowed = ", ".join(str(c.label) for c in choices)
    raise ValueError(
        _("“%(value)s” is not a valid %(what)s; use one of: %(allowed)s")
        % {"value": value, "what": what, "allowed": allowed}
    )


def clean_kind(value: str) -> str:
    return _choice(value, _KIND_WORDS, SiteKind, _("site kind"))


def clean_connection(value: str) -> str:
    return _choice(value, _CONNECTION_WORDS, Connection, _("connection type"))


def clean_status(value: str) -> str:
    return _choice(value, _STATUS_WORDS, SiteStatus, _("status"))


def clean_code(value: str) -> str:
    code = nfc(value)
    if code.endswith(".0") and code[:-2].isdigit():  # a numeric code read back from Excel
        code = code[:-2]
    if not CODE_RE.match(code):
        raise ValueError(
            _("Site code “%(code)s” is invalid: up to 32 letters, digits, dot, dash or underscore")
            % {"code": value}
        )
    return code


def clean_phone(value: str) -> str:
    """Return a Vietnamese number as 0XXXXXXXXX (10 digits) or 02XXXXXXXXX (landline, 11)."""
    raw = _PHONE_JUNK.sub("", value.strip())
    if raw.endswith(".0"):
        raw = raw[:-2]
    if re.fullmatch(r"\d(\.\d+)?[eE]\+?\d+", raw):  # Excel's scientific notation
        raw = str(int(float(raw)))
    if raw.startswith("+84"):
        raw = "0" + raw[3:]
    elif raw.startswith("84") and len(raw) in (11, 12):
        raw = "0" + raw[2:]
    elif raw.isdigit() and len(raw) in (9, 10) and not raw.startswith("0"):
        raw = "0" + raw  # Excel dropped the leading zero
    if re.fullmatch(r"0[35789]\d{8}", raw) or re.fullmatch(r"02\d{9}", raw):
        return raw
    raise ValueError(_("“%(value)s” is not a Vietnamese phone number") % {"value": value})


def clean_email(value: str) -> str:
    email = value.strip()
    try:
        validate_email(email)
    except ValidationError:
        raise ValueError(_("“%(value)s” is not an email address") % {"value": value}) from None
    return email.lower()


def clean_seats(value: str) -> int:
    raw = value.strip().replace(" ", "")
    if raw.endswith(".0"):
        raw = raw[:-2]
    if not raw.isdigit() or int(raw) > 100_000:
        raise ValueError(_("“%(value)s” is not a number of seats") % {"value": value})
    return int(raw)


def clean_text(value: str) -> str:
    return nfc(value)

"""Cleaning of one delegate's values, shared by the import, the services and the API.

Each cleaner returns the stored form or raises ValueError with a Vietnamese message for the
import report. They are written for the import's hot loop (1.5 million rows): the common, clean
value takes a short path and only a messy one goes through the slower rules.
"""

import re
import unicodedata
from decimal import Decimal, InvalidOperation

LIMITS = {"full_name": 200, "position": 255, "workplace": 255, "group": 120, "email": 254}

_PHONE_JUNK = str.maketrans("", "", " .-()/\u00a0")
_MOBILE = re.compile(r"^0[35789]\d{8}$")
_LANDLINE = re.compile(r"^02\d{9}$")
_SCIENTIFIC = re.compile(r"^(\d)(?:[.,](\d+))?[eE]\+?(\d{1,2})$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$")


def clean_text(value: str) -> str:
    """NFC with single spaces; the cells arrive stripped (tabular.read_table)."""
    if not value.isascii():
        value = unicodedata.normalize("NFC", value)
    if "  " in value or "\t" in value or "\n" in value or "\xa0" in value or "\r" in value:
        value = " ".join(value.split())
    return value


def clean_phone(value: str) -> str:
    """A Vietnamese number as 0XXXXXXXXX (mobile) or 02XXXXXXXXX (landline)."""
    if len(value) == 10 and _MOBILE.match(value):
        return value
    raw = value.translate(_PHONE_JUNK)
    if "e" in raw or "E" in raw:
        raw = _from_scientific(value, raw)
    elif raw.endswith((".0", ",0")):
        raw = raw[:-2]
    if raw.startswith("+84"):
        raw = "0" + raw[3:]
    elif raw.startswith("0084"):
        raw = "0" + raw[4:]
    elif raw.startswith("84") and len(raw) in (11, 12):
        raw = "0" + raw[2:]
    elif raw.isdigit() and len(raw) in (9, 10) and raw[0] != "0":
        raw = "0" + raw  # Excel dropped the leading zero
    if _MOBILE.match(raw) or _LANDLINE.match(raw):
        return raw
    raise ValueError(phone_error(value))


def phone_error(value: str) -> str:
    return (
        f"“{value}” không phải số điện thoại Việt Nam (di động 10 số bắt đầu bằng 0 hoặc +84, "
        "cố định 11 số bắt đầu bằng 02)."
    )


def _from_scientific(value: str, raw: str) -> str:
    match = _SCIENTIFIC.match(raw)
    if match is None or len(match.group(2) or "") < int(match.group(3)):
        raise ValueError(
            f"Số điện thoại “{value}” đã bị Excel đổi sang dạng số mũ và mất chữ số; hãy định "
            "dạng cột là Văn bản (Text) và nhập lại."
        )
    try:
        return str(int(Decimal(match.group(0).replace(",", "."))))
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid decimals
        raise ValueError(f"“{value}” không phải số điện thoại.") from None


def clean_email(value: str) -> str:
    email = value.strip().lower()
    if len(email) > LIMITS["email"] or not _EMAIL.match(email):
        raise ValueError(f"“{value}” không phải địa chỉ email.")
    return email


def clean_site_code(value: str) -> str:
    """A site code as typed: NFC, no spaces around, "123.0" read back from Excel → "123"."""
    code = clean_text(value)
    if code.endswith(".0") and code[:-2].isdigit():
        code = code[:-2]
    return code

"""SMS text: the GSM 03.38 alphabet (7-bit) or UCS-2, and how many parts a text bills.

Vietnamese with diacritics is outside GSM-7, so it goes as UCS-2: 70 characters in one SMS, 67
per part once split, instead of 160 / 153. Stripping diacritics (DIEMCAU_SMS_DIACRITICS=strip,
the usual choice of brandname senders) more than halves the cost of a long text.
"""

import unicodedata
from dataclasses import dataclass

GSM7_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = "^{}\\[~]|€\f"  # each takes two septets (escape + char)
_BASIC = frozenset(GSM7_BASIC)
_EXTENDED = frozenset(GSM7_EXTENDED)


@dataclass(frozen=True)
class SmsSize:
    encoding: str  # "GSM-7" or "UCS-2"
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    parts: int


# Typography that would push a stripped text out of GSM-7 (and double its cost) for one dash.
_PLAIN_PUNCTUATION = str.maketrans(
    {"–": "-", "—": "-", "“": '"', "”": '"', "‘": "'", "’": "'", "…": "...", "\u00a0": " "}
)


def strip_diacritics(text: str) -> str:
    """Vietnamese without marks, and plain punctuation: "Điểm cầu – Hoàn Kiếm" →
    "Diem cau - Hoan Kiem"."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", plain).translate(_PLAIN_PUNCTUATION)


def is_gsm7(text: str) -> bool:
    return all(ch in _BASIC or ch in _EXTENDED for ch in text)


def size(text: str) -> SmsSize:
    if is_gsm7(text):
        units = sum(2 if ch in _EXTENDED else 1 for ch in text)
        single, multi, encoding = 160, 153, "GSM-7"
    else:
        units = len(text.encode("utf-16-le")) // 2
        single, multi, encoding = 70, 67, "UCS-2"
    parts = 1 if units <= single else -(-units // multi)
    return SmsSize(encoding, units, parts if text else 0)


def split(text: str) -> list[str]:
    """The parts a phone joins back together: never an escape pair or a surrogate pair cut."""
    gsm = is_gsm7(text)
    whole = size(text)
    if whole.parts <= 1:
        return [text] if text else []
    limit = 153 if gsm else 67
    parts: list[str] = []
    current: list[str] = []
    used = 0
    for ch in text:
        cost = (2 if ch in _EXTENDED else 1) if gsm else len(ch.encode("utf-16-le")) // 2
        if used + cost > limit:
            parts.append("".join(current))
            current, used = [], 0
        current.append(ch)
        used += cost
    if current:
        parts.append("".join(current))
    return parts

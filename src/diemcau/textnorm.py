"""Vietnamese text folding shared by search and imports.

People type names with and without diacritics, in NFC or NFD (macOS, some Excel exports), with
stray spaces. Folding gives one comparable key, so "hoan kiem" finds "Phường Hoàn Kiếm".
"""

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def nfc(text: str) -> str:
    """Normalise to NFC and collapse whitespace; the form we store."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip()


def fold(text: str) -> str:
    """Lower-case, strip diacritics (đ → d) and collapse whitespace: the form we compare."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", stripped.lower()).strip()

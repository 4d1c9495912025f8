"""Finding a unit from what people type in spreadsheets: a code, a name, or a mangled number.

Names are matched against the current (post-July-2025) tree only. A district-era name or an
unknown one is reported, never guessed, because an object attached to the wrong commune is worse
than a row the organiser must fix. Any import that names units (sites, later delegates' bodies)
uses this index: the 3,449 units are held in memory once per import.
"""

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from diemcau.textnorm import fold, nfc
from diemcau.units.models import Kind, Level, Unit

# Division words people put in front of names; "p." and "tp" are common shorthand.
_CURRENT_PREFIXES = {
    "phuong": "phuong",
    "p": "phuong",
    "xa": "xa",
    "x": "xa",
    "dac khu": "dac khu",
    "thanh pho": "thanh pho",
    "tp": "thanh pho",
    "tinh": "tinh",
}
_LEGACY_PREFIXES = ("quan", "huyen", "thi xa", "thi tran")
_PREFIX_RE = re.compile(
    r"^(dac khu|thanh pho|thi tran|thi xa|phuong|huyen|quan|tinh|xa|tp|p|x)(?:\.\s*|\s+)(.+)$"
)
_DIGITS = re.compile(r"^\d{1,5}(\.0)?$")


def split_prefix(folded: str) -> tuple[str, str]:
    """("phuong hoan kiem") → ("phuong", "hoan kiem"); ("hoan kiem") → ("", "hoan kiem")."""
    match = _PREFIX_RE.match(folded)
    if not match:
        return "", folded
    return match.group(1), match.group(2)


def name_key(text: str) -> str:
    """Folded name with shorthand prefixes spelled out: "P. Hoàn Kiếm" → "phuong hoan kiem"."""
    folded = fold(text).replace("–", "-")
    prefix, rest = split_prefix(folded)
    if prefix in _CURRENT_PREFIXES:
        return f"{_CURRENT_PREFIXES[prefix]} {rest}"
    return folded


class UnitIndex:
    """The whole current tree in memory, looked up by code or by (folded) name."""

    def __init__(self, units: Iterable[Unit]) -> None:
        self.units = list(units)
        self.by_id = {u.pk: u for u in self.units}
        self.by_code = {u.code.upper(): u for u in self.units}
        self.by_full: dict[str, list[Unit]] = defaultdict(list)
        self.by_short: dict[str, list[Unit]] = defaultdict(list)
        self.provinces_by_name: dict[str, Unit] = {}
        for u in self.units:
            full = name_key(u.name)
            self.by_full[full].append(u)
            if u.kind == Kind.ADMINISTRATIVE:
                prefix, short = split_prefix(full)
                if prefix:
                    self.by_short[short].append(u)
                if u.level == Level.PROVINCE:
                    self.provinces_by_name[full] = u
                    self.provinces_by_name[short] = u
        self._legacy: dict[str, list[_Legacy]] | None = None

    @classmethod
    def load(cls) -> "UnitIndex":
        return cls(Unit.objects.only("id", "code", "name", "level", "kind", "province_id"))

    def province_of(self, unit: Unit) -> Unit | None:
        return self.by_id.get(unit.province_id) if unit.province_id else None

    def label(self, unit: Unit) -> str:
        province = self.province_of(unit)
        if province is None or province.pk == unit.pk:
            return f"{unit.code} ({unit.name})"
        return f"{unit.code} ({unit.name}, {province.name})"

    def legacy(self, key: str) -> list["_Legacy"]:
        """The pre-2025 units that `key` (folded) names, if any."""
        if self._legacy is None:
            self._legacy = _legacy_names()
        return self._legacy.get(key, [])

    def successors(self, old: list["_Legacy"]) -> str:
        """Where one pre-2025 ward or province went, as a hint; "" when several units match."""
        if len(old) != 1 or old[0].kind == "district":
            return ""
        import vietnam_provinces as vp

        if old[0].kind == "ward":
            codes = [
                f"{int(w.ward.code):05d}" for w in vp.Ward.search_from_legacy(code=old[0].code)
            ]
        else:
            codes = [
                f"{int(p.province.code):02d}"
                for p in vp.Province.search_from_legacy(code=old[0].code)
            ]
        found = [self.label(self.by_code[c]) for c in codes if c in self.by_code]
        if not found:
            return ""
        return f" Theo danh mục sắp xếp, {old[0].name} nay thuộc: {', '.join(found)}."

    def resolve_province(self, raw: str) -> tuple[Unit | None, str | None]:
        text = nfc(raw)
        code = text[:-2] if text.endswith(".0") else text
        if code.isdigit() and len(code) <= 2:
            unit = self.by_code.get(f"{int(code):02d}")
            if unit is not None and unit.level == Level.PROVINCE:
                return unit, None
        unit = self.provinces_by_name.get(name_key(text))
        if unit is not None:
            return unit, None
        old = self.legacy(name_key(text))
        if old:
            return None, (
                f"“{text}” là tên tỉnh/thành phố trước sắp xếp năm 2025; "
                "hãy dùng tên tỉnh/thành phố mới (34 tỉnh, thành phố)." + self.successors(old)
            )
        return None, f"Không tìm thấy tỉnh/thành phố “{text}”."

    def resolve(self, raw: str, province: Unit | None) -> tuple[Unit | None, str | None]:
        """The unit named by `raw` (code or name), or None and the reason in Vietnamese."""
        text = nfc(raw)
        candidates = self._by_code(text)
        by_code = bool(candidates)
        if not candidates:
            key = name_key(text)
            candidates = list(self.by_full.get(key, ()))
            prefix, short = split_prefix(key)
            if not candidates and not prefix:
                candidates = list(self.by_short.get(short, ()))
        if not candidates:
            return None, self._not_found(text)
        if province is not None and len(candidates) > 1:
            narrowed = [u for u in candidates if u.province_id == province.pk]
            candidates = narrowed or candidates
        if len(candidates) > 1:
            shown = ", ".join(self.label(u) for u in candidates[:8])
            more = f" và {len(candidates) - 8} đơn vị khác" if len(candidates) > 8 else ""
            what = "Mã" if by_code else "Tên"
            return None, (
                f"{what} “{text}” ứng với nhiều đơn vị: {shown}{more}. Hãy ghi đúng mã đơn vị "
                "hoặc thêm cột “Tỉnh/thành phố”."
            )
        return candidates[0], None

    def _by_code(self, text: str) -> list[Unit]:
        exact = self.by_code.get(text.upper())
        if not _DIGITS.match(text):
            return [exact] if exact else []
        digits = text[:-2] if text.endswith(".0") else text
        if exact is not None and (digits.startswith("0") or len(digits) == 5):
            return [exact]
        # Excel turned "00070" into 70 and "01" into 1: a short number may be either.
        found: list[Unit] = []
        for candidate in (digits, f"{int(digits):02d}", f"{int(digits):05d}"):
            unit = self.by_code.get(candidate)
            if unit is not None and unit not in found:
                found.append(unit)
        return found

    def _not_found(self, text: str) -> str:
        key = name_key(text)
        prefix, _ = split_prefix(key)
        old = self.legacy(key)
        if old or prefix in _LEGACY_PREFIXES:
            return (
                f"“{text}” là tên đơn vị trước sắp xếp năm 2025; "
                "hãy dùng mã hoặc tên đơn vị mới." + self.successors(old)
            )
        if _DIGITS.match(text):
            return f"Không tìm thấy đơn vị có mã “{text}”."
        return f"Không tìm thấy đơn vị “{text}”; hãy ghi mã đơn vị hoặc tên đơn vị hiện hành."


@dataclass(frozen=True)
class _Legacy:
    kind: str  # "ward", "district" or "province"
    name: str
    code: int


def _legacy_names() -> dict[str, list[_Legacy]]:
    """Folded pre-2025 names (provinces, districts, wards) → the units so named.

    Full names ("phuong hang trong") and bare ones ("hang trong") are both keys; a bare key keeps
    only the units whose full name differs, so a hint is offered only when the name is unique.
    """
    from vietnam_provinces import legacy

    names: dict[str, list[_Legacy]] = defaultdict(list)
    sources: list[tuple[str, Iterable[Any]]] = [
        ("ward", legacy.Ward.iter_all()),
        ("district", legacy.District.iter_all()),
        ("province", legacy.Province.iter_all()),
    ]
    for kind, items in sources:
        for item in items:
            entry = _Legacy(kind, item.name, int(item.code))
            key = name_key(item.name)
            names[key].append(entry)
            prefix, short = split_prefix(key)
            if prefix and short != key:
                names[short].append(entry)
    return dict(names)

"""Attendance in Excel for any node of the tree: one sheet per level, scoped like the summary.

Sheets: provinces (for the nation), communes and bodies, sites — each row with registered,
checked in, guests, headcount, present and whether the site reported, computed from the same
counters and the same `present` rule as the summary (summary.py), so the file and the dashboard
agree to the person.
"""

import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from diemcau import csvsafe
from diemcau.accounts.scopes import Scope
from diemcau.attendance import tallies
from diemcau.attendance.models import SessionTally
from diemcau.attendance.summary import resolve_unit
from diemcau.sites.models import Site
from diemcau.units.models import Kind, Level
from diemcau.units.services import units_under_q

COLUMNS = ("Đăng ký", "Điểm danh (thẻ)", "Khách nơi khác", "Báo cáo số lượng", "Tham dự")


@dataclass
class Line:
    code: str
    name: str
    parent: str = ""
    figures: list[int] = field(default_factory=lambda: [0] * len(COLUMNS))
    sites: int = 0
    reporting: int = 0

    def add(self, other: "Line") -> None:
        self.figures = [a + b for a, b in zip(self.figures, other.figures, strict=True)]
        self.sites += other.sites
        self.reporting += other.reporting


def site_lines(scope: Scope, unit_code: str | None, session_id: int | None) -> list[dict[str, Any]]:
    """Per site in scope under the node: its unit and province and its figures."""
    unit = resolve_unit(scope, unit_code)
    read_q = scope.site_read_q()
    if read_q is None:
        return []
    tallies.ensure_registered()
    sites = Site.objects.filter(read_q & units_under_q(unit, "unit__"))
    rows = SessionTally.objects.filter(site_id__in=sites.values("pk"))
    if session_id is not None:
        rows = rows.filter(session_id=session_id)
    # Per site: checked in, guests, headcount, present, reported — summed over sessions with the
    # summary's rule (present = the larger of check-ins and headcount, per session).
    counts: dict[int, list[int]] = {}
    for site_id, checked, other, head in rows.values_list(
        "site_id", "checked_in", "other_site", "headcount"
    ):
        acc = counts.setdefault(site_id, [0, 0, 0, 0, 0])
        reported = int(bool(checked) or head is not None)
        acc[0] += checked
        acc[1] += other
        acc[2] += head or 0
        acc[3] += max(checked, head or 0) if reported else 0
        acc[4] |= reported
    out = []
    for site in sites.values(
        "pk", "code", "name", "unit__code", "unit__name", "unit__level",
        "province__code", "province__name", "attendance_registered__registered",
    ).order_by("province__code", "unit__code", "code"):  # fmt: skip
        checked, other, head, present, reported = counts.get(site["pk"], [0, 0, 0, 0, 0])
        registered = site["attendance_registered__registered"] or 0
        figures = [registered, checked, other, head, present]
        out.append({**site, "figures": figures, "reporting": bool(reported)})
    return out


def _group(lines: Iterable[dict[str, Any]], level: str) -> list[Line]:
    """Sites added up by province ("province") or by their unit ("unit"); central bodies, which
    have no province, stand as their own line."""
    groups: dict[str, Line] = {}
    for row in lines:
        if level == "province" and row["province__code"]:
            code, name, parent = row["province__code"], row["province__name"], ""
        else:
            code, name, parent = row["unit__code"], row["unit__name"], row["province__name"] or ""
        line = groups.setdefault(code, Line(code, name, parent))
        line.add(Line(code, "", figures=row["figures"], sites=1, reporting=int(row["reporting"])))
    return list(groups.values())


def to_xlsx(scope: Scope, unit_code: str | None, session_id: int | None) -> bytes:
    unit = resolve_unit(scope, unit_code)
    lines = site_lines(scope, unit.code, session_id)
    out = io.BytesIO()
    book = csvsafe.xlsx_workbook(out, {"in_memory": True})
    head = book.add_format({"bold": True, "bg_color": "#E8EEF7", "text_wrap": True})
    number = book.add_format({"num_format": "#,##0"})
    sheets: list[tuple[str, list[Line], str]] = []
    if unit.level == Level.CENTRAL and unit.kind == Kind.ADMINISTRATIVE:
        sheets.append(("Tỉnh", _group(lines, "province"), ""))
    if unit.level != Level.COMMUNE:
        sheets.append(("Xã, cơ quan", _group(lines, "unit"), "Tỉnh"))
    site_rows = [
        Line(r["code"], r["name"], r["unit__name"], r["figures"], 1, int(r["reporting"]))
        for r in lines
    ]
    sheets.append(("Điểm cầu", site_rows, "Đơn vị"))
    for title, rows, parent_title in sheets:
        sheet = book.add_worksheet(title)
        columns = ["Mã", "Tên", *([parent_title] if parent_title else []), *COLUMNS,
                   "Điểm cầu", "Có số liệu"]  # fmt: skip
        for c, name in enumerate(columns):
            sheet.write(0, c, name, head)
        sheet.set_column(0, 0, 14)
        sheet.set_column(1, 2, 40)
        sheet.freeze_panes(1, 2)
        for r, line in enumerate(rows, start=1):
            values: list[Any] = [line.code, line.name, *([line.parent] if parent_title else [])]
            values += [*line.figures, line.sites, line.reporting]
            for c, value in enumerate(values):
                if isinstance(value, int):
                    sheet.write_number(r, c, value, number)
                else:
                    sheet.write_string(r, c, str(value))
    book.close()
    return out.getvalue()

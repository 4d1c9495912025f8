"""Reading exported files back as a person's spreadsheet would: calamine for XLSX, csv for CSV."""

import csv
import io
from pathlib import Path
from typing import Any

import python_calamine

from diemcau.accounts.scopes import Scope, scope_for
from diemcau.attendance.checkins import ScanIn, record_scans

CENTRE = Scope(user_id=None, everything=True)


def sheets(path: Path) -> dict[str, list[list[Any]]]:
    """Every sheet of a workbook: {name: rows (header first)}."""
    book = python_calamine.CalamineWorkbook.from_path(str(path))
    return {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}


def csv_rows(path: Path) -> list[list[str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "CSV for Excel starts with a BOM"
    return list(csv.reader(io.StringIO(raw[3:].decode("utf-8"))))


def scan_in(scans: list[dict[str, Any]], user: Any = None, **kwargs: Any) -> list[str]:
    scope = scope_for(user) if user is not None else CENTRE
    result = record_scans(scope, [ScanIn(**s) for s in scans], **kwargs)
    return [r.status for r in result.results]

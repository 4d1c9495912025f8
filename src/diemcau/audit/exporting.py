"""The current search of the audit trail as an XLSX file (xlsxwriter, streamed row by row).

Times are real date cells shown as 14/6/2025 07:30 in Asia/Ho_Chi_Minh; every text cell is
written as text (csvsafe's workbook), so a value someone typed can never run as a formula.
"""

from typing import IO, Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from diemcau import csvsafe
from diemcau.audit import services
from diemcau.audit.models import Entry

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Far below a sheet's 1,048,576 rows: a search that large is narrowed first, not downloaded.
MAX_ROWS = 200_000


def columns() -> list[tuple[str, int]]:
    return [
        (_("Time"), 17),
        (_("Who"), 20),
        (_("IP address"), 16),
        (_("Action"), 18),
        (_("Object type"), 20),
        (_("Object"), 40),
        (_("Unit"), 28),
        (_("Changes (before → after)"), 70),
        (_("Counts"), 30),
        (_("Detail"), 30),
    ]


def _changes_text(entry: Entry, names: dict[tuple[str, str], str]) -> str:
    return "\n".join(f"{c.field}: {c.before} → {c.after}" for c in services.changes(entry, names))


def _counts_text(entry: Entry) -> str:
    return "; ".join(f"{label}: {value:,}".replace(",", ".") for label, value in
                     services.counts(entry))  # fmt: skip


def write_xlsx(entries: QuerySet[Entry], out: IO[bytes]) -> int:
    """Write the entries (already scoped and filtered, newest first); returns the rows written."""
    book: Any = csvsafe.xlsx_workbook(out, {"constant_memory": True})
    sheet = book.add_worksheet(_("Audit trail")[:31])
    head = book.add_format({"bold": True, "bg_color": "#E8EEF7"})
    when = book.add_format({"num_format": "d/m/yyyy hh:mm"})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    for c, (title, width) in enumerate(columns()):
        sheet.write_string(0, c, title, head)
        sheet.set_column(c, c, width)
    sheet.freeze_panes(1, 0)
    rows = 0
    names: dict[tuple[str, str], str] = {}  # foreign keys' names, looked up once per file
    try:
        for rows, entry in enumerate(entries[:MAX_ROWS].iterator(chunk_size=2000), start=1):
            local = timezone.localtime(entry.timestamp).replace(tzinfo=None)
            sheet.write_datetime(rows, 0, local, when)
            values = [
                services.actor_label(entry),
                entry.remote_addr or "",
                services.action_label(entry),
                services.subject_label(entry.subject),
                entry.object_repr,
                entry.unit.name if entry.unit_id and entry.unit else "",
                _changes_text(entry, names),
                _counts_text(entry),
                entry.detail,
            ]
            for c, value in enumerate(values, start=1):
                sheet.write_string(rows, c, str(value), wrap if c == 7 else None)
    except BaseException:
        csvsafe.discard_workbook(book)
        raise
    book.close()
    return rows

"""Numbers and times as Vietnamese readers write them, in one place for pages, XLSX and PDFs.

11000 → "11.000", 1.5 → "1,5", a moment → "14/6/2025 07:30" in Asia/Ho_Chi_Minh. Django's own
localisation would only group thousands with USE_THOUSAND_SEPARATOR, which also rewrites every
id printed into a URL or a form value; and the XLSX and PDF writers run outside any template.
So every place that shows a figure to a person calls these, and each format is written once.
"""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings

# Excel formats: the separators in a number format are the reader's locale's, so "#,##0"
# shows 11.000 in a Vietnamese Excel; the date format is spelled out, as it is not localised.
XLSX_INTEGER = "#,##0"
XLSX_DECIMAL = "#,##0.0"
XLSX_DATETIME = "d/m/yyyy hh:mm"
XLSX_DATE = "d/m/yyyy"

Number = int | float | Decimal


def zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def number(value: Number | None, decimals: int | None = None) -> str:
    """11000 → "11.000"; 1234.5 → "1.234,5"; None → "–". Floats keep one decimal by default."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return str(value)
    if decimals is None:
        decimals = 0 if isinstance(value, int) else 1
    text = f"{value:,.{decimals}f}"
    return text.replace(",", " ").replace(".", ",").replace(" ", ".")


def moment(value: dt.datetime | str) -> dt.datetime:
    """A stored moment (an ISO string from a report's JSON, or a datetime) in local time.

    A naive datetime is taken as UTC, as Django stores them."""
    when = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when.astimezone(zone())


def date(value: dt.date | dt.datetime | str) -> str:
    """14/6/2025: day and month without a leading zero, as Vietnamese documents write them."""
    if isinstance(value, str | dt.datetime):
        value = moment(value)
    return f"{value.day}/{value.month}/{value.year}"


def time(value: dt.datetime | dt.time | str) -> str:
    """07:30 (local time)."""
    if isinstance(value, str | dt.datetime):
        value = moment(value)
    return f"{value.hour:02d}:{value.minute:02d}"


def datetime(value: dt.datetime | str) -> str:
    """14/6/2025 07:30 in Asia/Ho_Chi_Minh."""
    local = moment(value)
    return f"{date(local)} {time(local)}"


def excel_datetime(value: dt.datetime | str) -> dt.datetime:
    """The local wall-clock time without its zone: what an XLSX date cell can hold."""
    return moment(value).replace(tzinfo=None)

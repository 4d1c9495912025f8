"""Template filters for Vietnamese numbers and times: {% load vn %} then {{ n|so }},
{{ when|ngay }} (14/6/2025), {{ when|gio }} (07:30), {{ when|ngaygio }} (14/6/2025 07:30).

Thin wrappers over diemcau.vnformat, so a page, an XLSX and a PDF write a figure alike. Text
passes through unchanged (a table cell may hold a name or a number); a missing value shows "–".
"""

import datetime as dt
from decimal import Decimal
from typing import Any

from django import template

from diemcau import vnformat

register = template.Library()


@register.filter
def so(value: Any, decimals: Any = None) -> Any:
    """11000 → 11.000; 1.5 → 1,5; {{ x|so:2 }} keeps two decimals; text stays as it is."""
    if value is None or value == "":
        return "–"
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return value
    places = int(decimals) if decimals not in (None, "") else None
    return vnformat.number(value, places)


def _when(value: Any) -> dt.datetime | dt.date | None:
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and value:
        try:
            return dt.datetime.fromisoformat(value)
        except ValueError:
            return None
    return None


@register.filter
def ngay(value: Any) -> str:
    """A date or moment as 14/6/2025 (local date)."""
    when = _when(value)
    return vnformat.date(when) if when is not None else ("–" if value in (None, "") else value)


@register.filter
def gio(value: Any) -> str:
    """A moment or time of day as 07:30 (local time)."""
    if isinstance(value, dt.time):
        return vnformat.time(value)
    when = _when(value)
    if isinstance(when, dt.datetime):
        return vnformat.time(when)
    return "–" if value in (None, "") else str(value)


@register.filter
def ngaygio(value: Any) -> str:
    """A moment as 14/6/2025 07:30 in Asia/Ho_Chi_Minh."""
    when = _when(value)
    if isinstance(when, dt.datetime):
        return vnformat.datetime(when)
    if isinstance(when, dt.date):
        return vnformat.date(when)
    return "–" if value in (None, "") else str(value)

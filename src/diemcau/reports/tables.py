"""What a report is made of, as plain data: tables and the figures that hold them.

Kept apart from figures.py (which assembles a report from every app's services) so that the
modules building single tables (infrastructure, learning, timelines) and figures.py can each
import this one instead of each other.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from diemcau.accounts.scopes import Scope
from diemcau.units.models import Unit


@dataclass
class Table:
    key: str
    title: str
    columns: list[str]
    rows: list[list[Any]]
    total: list[Any] | None = None
    note: str = ""
    numeric_from: int = 1  # columns from this index on are numbers
    chart: str = "bars"  # "timeline": columns over time (column 1) and a running line (column 2)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Figures:
    unit: Unit
    session_id: int | None
    generated_at: dt.datetime
    conference_id: int | None = None  # the conference the report is about (choice.pick)
    tables: list[Table] = field(default_factory=list)
    totals: dict[str, int] = field(default_factory=dict)

    def table(self, key: str) -> Table | None:
        return next((t for t in self.tables if t.key == key), None)


Builder = Callable[[Scope, Figures], None]

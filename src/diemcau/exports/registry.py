"""The exporters' registry, in the manner of pretix's: each exporter says what it is called, the
options it takes and the formats it writes, and yields its rows; the writers do the rest.

An exporter never writes a file itself, so every list gets the same Excel treatment (headers,
frozen row, filters, widths, formats, split past Excel's row limit) and the same CSV (UTF-8 with
BOM, formula-neutralised cells) — and a new list is one class.
"""

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from django.utils.functional import Promise

if TYPE_CHECKING:
    from diemcau.exports.scoping import Target

FORMATS = ("xlsx", "csv")
# Column kinds: how a value is written and formatted. TEXT is neutralised against formulas at the
# source (see exporters.py), CODE is text we made ourselves (delegate codes, our own words).
TEXT, CODE, INT, FLOAT, DATETIME, DATE = "text", "code", "int", "float", "datetime", "date"

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Column:
    header: str  # Vietnamese, as the file shows it
    width: float = 14
    kind: str = TEXT
    repeats: bool = False  # few distinct values (a site's name, our own words): XML kept


@dataclass(frozen=True)
class Option:
    """One thing the caller may choose beside the node and the format."""

    name: str
    label: str | Promise
    choices: Callable[[], list[tuple[str, str]]] = field(default=lambda: [])
    help: str | Promise = ""

    def default(self) -> str:
        found = self.choices()
        return found[0][0] if found else ""


@dataclass
class Plan:
    """What one run will write: its columns, how many rows, and the rows themselves.

    `province_column` is the column whose value names the sheet when the rows pass Excel's limit;
    `counts` the rows per province (same names), so the sheets are known before writing.
    """

    columns: Sequence[Column]
    total: int
    rows: Iterator[Sequence[Any]]
    province_column: int
    counts: dict[str, int]
    title: str


class Exporter:
    identifier: ClassVar[str]
    name: ClassVar[str | Promise]
    description: ClassVar[str | Promise] = ""
    formats: ClassVar[tuple[str, ...]] = FORMATS
    options: ClassVar[tuple[Option, ...]] = ()
    filename_stem: ClassVar[str]

    def plan(self, target: "Target", options: dict[str, str]) -> Plan:
        raise NotImplementedError


_REGISTRY: dict[str, Exporter] = {}


def register(cls: type[Exporter]) -> type[Exporter]:
    _REGISTRY[cls.identifier] = cls()
    return cls


def exporters() -> list[Exporter]:
    return list(_REGISTRY.values())


def get(identifier: str) -> Exporter | None:
    return _REGISTRY.get(identifier)

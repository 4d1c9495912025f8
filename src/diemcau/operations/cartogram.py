"""The schematic map: 34 provinces as tiles on a grid, coloured by their share of sites online,
and a node's breakdown (a province's communes) as a table to search and sort.

A tile cartogram, not a map: every province gets one equal tile at a fixed place that keeps the
country's shape roughly (north at the top, the coast on the right, the Mekong delta at the
bottom), so a small province in trouble is as visible as a large one, and the page needs no map
tiles, no JavaScript library and no network. Positions are keyed by the province codes of the
`vietnam-provinces` package (the 34 provinces after 1 July 2025); names always come from the
units table. A province without a position (a future reform) is placed on an extra row.
"""

from dataclasses import dataclass
from typing import Any

from django.db.models import Count
from django.utils.translation import gettext_lazy

from diemcau.accounts.scopes import Scope
from diemcau.operations import liveness, rollup
from diemcau.operations.models import LiveState
from diemcau.sites.models import Site
from diemcau.textnorm import fold
from diemcau.units.models import Unit
from diemcau.units.services import provinces

# Province code → (row, column) on a 6-column grid, north to south.
TILES: dict[str, tuple[int, int]] = {
    "12": (1, 3),  # Lai Châu
    "15": (1, 4),  # Lào Cai
    "08": (1, 5),  # Tuyên Quang
    "04": (1, 6),  # Cao Bằng
    "11": (2, 2),  # Điện Biên
    "14": (2, 3),  # Sơn La
    "25": (2, 4),  # Phú Thọ
    "19": (2, 5),  # Thái Nguyên
    "20": (2, 6),  # Lạng Sơn
    "01": (3, 4),  # Hà Nội
    "24": (3, 5),  # Bắc Ninh
    "22": (3, 6),  # Quảng Ninh
    "38": (4, 3),  # Thanh Hóa
    "37": (4, 4),  # Ninh Bình
    "33": (4, 5),  # Hưng Yên
    "31": (4, 6),  # Hải Phòng
    "40": (5, 3),  # Nghệ An
    "42": (5, 4),  # Hà Tĩnh
    "44": (6, 4),  # Quảng Trị
    "46": (6, 5),  # Huế
    "48": (7, 5),  # Đà Nẵng
    "51": (8, 5),  # Quảng Ngãi
    "52": (9, 5),  # Gia Lai
    "66": (10, 5),  # Đắk Lắk
    "68": (11, 4),  # Lâm Đồng
    "56": (11, 5),  # Khánh Hòa
    "80": (12, 2),  # Tây Ninh
    "75": (12, 3),  # Đồng Nai
    "91": (13, 1),  # An Giang
    "82": (13, 2),  # Đồng Tháp
    "79": (13, 3),  # Hồ Chí Minh
    "92": (14, 2),  # Cần Thơ
    "86": (14, 3),  # Vĩnh Long
    "96": (15, 1),  # Cà Mau
}
GRID_COLUMNS = 6
# Share of sites online → colour band, worst first; the legend reads them in this order.
BANDS: tuple[tuple[float, str, Any], ...] = (
    (0.5, "b0", gettext_lazy("under 50 percent online")),
    (0.8, "b1", gettext_lazy("50 to 80 percent online")),
    (0.95, "b2", gettext_lazy("80 to 95 percent online")),
    (1.01, "b3", gettext_lazy("95 percent or more online")),
)
STATE_KEYS = ("online", "degraded", "offline", "never")


@dataclass(frozen=True)
class Tile:
    code: str
    name: str
    short: str
    row: int
    column: int
    counts: dict[str, int] | None  # None: outside the caller's scope
    share: float | None  # online ÷ sites; None without sites or outside the scope
    band: str

    @property
    def percent(self) -> int | None:
        return None if self.share is None else int(self.share * 100)

    @property
    def trouble(self) -> int:
        c = self.counts or {}
        return c.get("offline", 0) + c.get("degraded", 0) + c.get("never", 0)


def short_name(unit: Unit) -> str:
    """ "Thành phố Hà Nội" → "Hà Nội": the name without the words of its division type.

    The type is the data's own ("thành phố trung ương", "tỉnh"); the longest run of its first
    words that starts the name is taken off, so no prefix is typed here.
    """
    words = (unit.division_type or "").split()
    lowered = unit.name.lower()
    for n in range(len(words), 0, -1):
        prefix = " ".join(words[:n]).lower() + " "
        if lowered.startswith(prefix) and len(unit.name) > len(prefix):
            return unit.name[len(prefix) :]
    return unit.name


def band_of(share: float | None) -> str:
    if share is None:
        return "none"
    return next(band for limit, band, _label in BANDS if share < limit)


def _readable_provinces(scope: Scope) -> set[int] | None:
    """Province ids whose breakdown the caller may open; None means all of them."""
    if scope.everything or scope.reads_everything:
        return None
    return {u.pk for u in scope.organiser_units + scope.viewer_units if u.province_id == u.pk}


def tiles(scope: Scope, now: float) -> list[Tile]:
    """Every province's tile; figures only for the sites the caller may read."""
    rollup.dashboard_unit(scope, None)  # 404 for a caller with no node of the tree
    read_q = scope.site_read_q()
    counts: dict[int, dict[str, int]] = {}
    if read_q is not None:
        sites = Site.objects.filter(read_q)
        live = liveness.read(sites, now)
        rows = (
            sites.annotate(st=rollup.state_expr(live.cutoff, live))
            .values("province_id", "st")
            .annotate(n=Count("pk"))
            .order_by()
        )
        for rec in rows:
            if rec["province_id"] is not None:
                by_state = counts.setdefault(rec["province_id"], dict.fromkeys(STATE_KEYS, 0))
                by_state[rec["st"]] += rec["n"]
    readable = _readable_provinces(scope)
    extra_row = max(r for r, _c in TILES.values()) + 1
    out: list[Tile] = []
    spare = 0
    for unit in provinces():
        if unit.code in TILES:
            row, column = TILES[unit.code]
        else:
            row, column = extra_row + spare // GRID_COLUMNS, spare % GRID_COLUMNS + 1
            spare += 1
        mine = readable is None or unit.pk in readable
        figures = counts.get(unit.pk, dict.fromkeys(STATE_KEYS, 0)) if mine else None
        total = sum(figures.values()) if figures else 0
        share = figures[LiveState.ONLINE] / total if figures and total else None
        out.append(
            Tile(
                code=unit.code,
                name=unit.name,
                short=short_name(unit),
                row=row,
                column=column,
                counts={"total": total, **figures} if figures is not None else None,
                share=share,
                band=band_of(share) if mine else "out",
            )
        )
    return out


# -- a node's breakdown ---------------------------------------------------------------------
BREAKDOWN_SORTS = ("trouble", "online", "never", "name", "sites")
BREAKDOWN_SORT_LABELS = {
    "trouble": gettext_lazy("Trouble first"),
    "online": gettext_lazy("Lowest share online first"),
    "never": gettext_lazy("Most never connected first"),
    "name": gettext_lazy("By name"),
    "sites": gettext_lazy("Most sites first"),
}


def breakdown(
    scope: Scope, code: str, now: float, q: str | None = None, sort: str | None = None
) -> dict[str, Any]:
    """The node's child units (a province's communes and bodies) with their counts and share.

    `q` keeps the children whose name or code holds every word (with or without diacritics);
    `sort` orders them. 404 for a node outside the caller's scope, as the dashboard answers.
    """
    data = rollup.status(scope, code, now, worst=0)
    rows = []
    words = fold(q or "").split()
    for child in data["children"]:
        if words and not all(w in fold(f"{child['name']} {child['code']}") for w in words):
            continue
        total = child["total"]
        share = child["online"] / total if total else None
        rows.append(
            {
                **child,
                "trouble": child["offline"] + child["degraded"] + child["never"],
                "share": share,
                "percent": None if share is None else int(share * 100),
                "band": band_of(share),
            }
        )
    sort = sort if sort in BREAKDOWN_SORTS else "trouble"
    keys = {
        "trouble": lambda r: (-r["offline"], -r["degraded"], -r["never"], r["name"]),
        "online": lambda r: (r["share"] if r["share"] is not None else 2.0, r["name"]),
        "never": lambda r: (-r["never"], r["name"]),
        "name": lambda r: (fold(r["name"]), r["code"]),
        "sites": lambda r: (-r["total"], r["name"]),
    }
    rows.sort(key=keys[sort])
    total = data["counts"]["total"]
    return {
        "unit": data["unit"],
        "parent": data["parent"],
        "counts": data["counts"],
        "share": data["counts"]["online"] / total if total else None,
        "rows": rows,
        "all_rows": len(data["children"]),
        "sort": sort,
        "q": q or "",
    }

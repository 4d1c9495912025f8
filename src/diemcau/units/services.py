"""Loading and finding administrative units.

The tree changes rarely (a reform every few years) but is read on every request, so loading is an
idempotent upsert keyed by code and lookups go through small indexed queries.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import vietnam_provinces as vp
from django.db import transaction
from django.db.models import Q, QuerySet

from diemcau.textnorm import fold, nfc
from diemcau.units import organisations
from diemcau.units.models import Kind, Level, Unit

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class UnitSpec:
    code: str
    name: str
    level: str
    kind: str
    division_type: str
    parent_code: str | None
    province_code: str | None


@dataclass(frozen=True)
class LoadResult:
    created: int
    updated: int
    unchanged: int

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


def province_code(raw: int) -> str:
    return f"{int(raw):02d}"


def commune_code(raw: int) -> str:
    return f"{int(raw):05d}"


def iter_unit_specs() -> Iterable[UnitSpec]:
    """Every unit of the tree, parents before children, from the package and the body list."""
    central = organisations.CENTRAL_CODE
    yield UnitSpec(
        central,
        organisations.CENTRAL_NAME,
        Level.CENTRAL,
        Kind.ADMINISTRATIVE,
        "trung ương",
        None,
        None,
    )
    for body in organisations.CENTRAL_BODIES:
        yield UnitSpec(
            f"{central}.{body.suffix}",
            body.name,
            Level.CENTRAL,
            Kind.ORGANISATION,
            body.division_type,
            central,
            None,
        )
    provinces = sorted(vp.Province.iter_all(), key=lambda p: int(p.code))
    for province in provinces:
        pcode = province_code(province.code)
        yield UnitSpec(
            pcode,
            province.name,
            Level.PROVINCE,
            Kind.ADMINISTRATIVE,
            str(province.division_type),
            central,
            pcode,
        )
        for body in organisations.province_bodies(province.name, str(province.division_type)):
            yield UnitSpec(
                f"{pcode}.{body.suffix}",
                body.name,
                Level.PROVINCE,
                Kind.ORGANISATION,
                body.division_type,
                pcode,
                pcode,
            )
    for ward in sorted(vp.Ward.iter_all(), key=lambda w: int(w.code)):
        pcode = province_code(ward.province_code)
        yield UnitSpec(
            commune_code(ward.code),
            ward.name,
            Level.COMMUNE,
            Kind.ADMINISTRATIVE,
            str(ward.division_type),
            pcode,
            pcode,
        )


_FIELDS = ("name", "name_folded", "level", "kind", "division_type", "parent_id", "province_id")


@transaction.atomic
def load_units(progress: Progress | None = None) -> LoadResult:
    """Create or update the whole tree; running it twice changes nothing the second time."""
    specs = list(iter_unit_specs())
    depth: dict[str, int] = {}
    for spec in specs:  # parents precede children, so one pass gives every depth
        depth[spec.code] = depth[spec.parent_code] + 1 if spec.parent_code else 0
    existing = {u.code: u for u in Unit.objects.all()}
    created = updated = unchanged = 0
    # Save the tree one depth at a time so each wave can point at ids the previous one got.
    for wave in range(max(depth.values()) + 1):
        to_create: list[Unit] = []
        to_update: list[Unit] = []
        self_provinces: list[Unit] = []
        for spec in specs:
            if depth[spec.code] != wave:
                continue
            parent = existing[spec.parent_code] if spec.parent_code else None
            is_own_province = spec.province_code == spec.code
            province = existing.get(spec.province_code) if spec.province_code else None
            values = {
                "name": nfc(spec.name),
                "name_folded": fold(spec.name),
                "level": spec.level,
                "kind": spec.kind,
                "division_type": spec.division_type,
                "parent_id": parent.pk if parent else None,
                "province_id": province.pk if province else None,
            }
            unit = existing.get(spec.code)
            if unit is None:
                unit = Unit(code=spec.code, **values)
                to_create.append(unit)
                existing[spec.code] = unit
                if is_own_province:
                    self_provinces.append(unit)
            elif any(getattr(unit, f) != v for f, v in values.items()):
                for f, v in values.items():
                    setattr(unit, f, v)
                to_update.append(unit)
            else:
                unchanged += 1
        Unit.objects.bulk_create(to_create, batch_size=1000)
        for unit in self_provinces:  # a province is its own province, known once it has an id
            unit.province_id = unit.pk
        Unit.objects.bulk_update(to_update + self_provinces, _FIELDS, batch_size=1000)
        created += len(to_create)
        updated += len(to_update)
        if progress:
            progress(created + updated + unchanged, len(specs))
    return LoadResult(created=created, updated=updated, unchanged=unchanged)


def search_units(
    query: str = "",
    *,
    level: str | None = None,
    kind: str | None = None,
    parent: Unit | None = None,
    province: Unit | None = None,
) -> QuerySet[Unit]:
    """Units whose name contains every word of `query`, with or without diacritics."""
    qs = Unit.objects.select_related("parent")
    if level:
        qs = qs.filter(level=level)
    if kind:
        qs = qs.filter(kind=kind)
    if parent is not None:
        qs = qs.filter(parent=parent)
    if province is not None:
        qs = qs.filter(province=province)
    words = fold(query).split()
    for word in words:
        qs = qs.filter(name_folded__contains=word)
    if query.strip() and len(words) == 0:
        return qs.none()
    return qs.order_by("level", "code")


def get_unit(code: str) -> Unit | None:
    return Unit.objects.select_related("parent", "province").filter(code=code.strip()).first()


def provinces() -> QuerySet[Unit]:
    return Unit.objects.filter(level=Level.PROVINCE, kind=Kind.ADMINISTRATIVE).order_by("code")


def units_under_q(unit: Unit, prefix: str = "") -> Q:
    """A filter for objects whose unit (at `prefix`) lies in `unit`'s subtree.

    The tree is shallow (central → province → commune, organisations hang under one of them), so
    the subtree is: everything (central), one province id, or the unit and its children.
    """
    if unit.level == Level.CENTRAL and unit.kind == Kind.ADMINISTRATIVE:
        return Q()
    if unit.level == Level.PROVINCE and unit.kind == Kind.ADMINISTRATIVE:
        return Q(**{f"{prefix}province_id": unit.pk})
    return Q(**{f"{prefix}id": unit.pk}) | Q(**{f"{prefix}parent_id": unit.pk})

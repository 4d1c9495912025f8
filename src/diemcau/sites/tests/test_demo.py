"""The demo network: deterministic, nationwide, valid, reloadable, and usable through the CLI."""

import re

import pytest
from click.testing import CliRunner
from django.contrib.auth.models import User

from diemcau import cli
from diemcau.accounts.models import Grant
from diemcau.accounts.scopes import scope_for
from diemcau.conftest import HANOI, HUE
from diemcau.sites import fields
from diemcau.sites.demo import (
    DEMO_PASSWORD,
    DEMO_PREFIX,
    generate_demo_sites,
    load_demo_accounts,
    load_demo_sites,
)
from diemcau.sites.models import Site, SiteKind
from diemcau.sites.services import clean_values, visible_sites
from diemcau.units.models import Kind, Level, Unit

pytestmark = pytest.mark.django_db

FULL = 11_000


@pytest.fixture(scope="module")
def full() -> list[dict]:
    return generate_demo_sites(FULL, 2025)


def test_same_seed_same_network_other_seed_differs(full):
    assert generate_demo_sites(FULL, 2025) == full
    other = generate_demo_sites(FULL, 7)
    assert len(other) == FULL
    assert [r["contact_phone"] for r in other] != [r["contact_phone"] for r in full]
    assert [r["code"] for r in other] != [r["code"] for r in full]  # extras land elsewhere


@pytest.mark.parametrize("n", [0, 1, 26, 500, 9_999, FULL, 12_345])
def test_exactly_n_sites_with_unique_codes(n):
    rows = generate_demo_sites(n, 2025)
    assert len(rows) == n
    assert len({r["code"] for r in rows}) == n


def test_smaller_network_is_the_start_of_the_larger_one(full):
    assert generate_demo_sites(1_000, 2025) == full[:1_000]


def test_full_network_covers_every_commune_province_and_central_body(full):
    by_unit: dict[str, set[str]] = {}
    for row in full:
        by_unit.setdefault(row["unit"], set()).add(row["kind"])
    communes = set(Unit.objects.filter(level=Level.COMMUNE).values_list("code", flat=True))
    assert len(communes) == 3_321
    assert communes <= by_unit.keys()
    # Every commune has its party committee, People's Committee and Front site.
    three = {SiteKind.PARTY, SiteKind.STATE, SiteKind.FRONT}
    assert all(by_unit[c] >= three for c in communes)
    provinces = Unit.objects.filter(level=Level.PROVINCE, kind=Kind.ADMINISTRATIVE)
    assert provinces.count() == 34
    for province in provinces.values_list("code", flat=True):
        assert {SiteKind.STATE, SiteKind.SECTOR, SiteKind.ARMED_FORCES} <= by_unit[province]
        assert by_unit[f"{province}.TU"] == {SiteKind.PARTY}
        assert by_unit[f"{province}.MTTQ"] == {SiteKind.FRONT}
    central = set(Unit.objects.filter(level=Level.CENTRAL).values_list("code", flat=True))
    assert central <= by_unit.keys()
    assert full[0]["unit"] == "TW" and "Học viện Chính trị quốc gia" in full[0]["name"]
    hoan_kiem = [r["name"] for r in full if r["unit"] == "00070"]
    assert "Hội trường UBND Phường Hoàn Kiếm" in hoan_kiem


def test_every_row_passes_the_site_cleaners(full):
    phone = re.compile(r"0(3|5|7|8|9)\d{8}")
    for row in full:
        for key in ("contact_phone", "tech_phone"):
            assert phone.fullmatch(row[key]), row
            assert fields.clean_phone(row[key]) == row[key]
        for key in ("contact_email", "tech_email"):
            assert row[key].isascii(), row
            assert fields.clean_email(row[key]) == row[key]
        assert fields.clean_code(row["code"]) == row["code"]
        assert 30 <= row["seats"] <= 500
    # The whole row, as an import or the API would clean it (unit looked up for a sample).
    for row in full[:: len(full) // 50]:
        cleaned = clean_values(row)
        assert cleaned["unit"].code == row["unit"]
        assert cleaned["kind"] == row["kind"] and cleaned["status"] == row["status"]


def test_load_twice_keeps_exactly_n_and_leaves_other_sites(make_site):
    mine = make_site(code="HN-REAL-1")
    assert load_demo_sites(2_500, 2025) == 2_500
    first = dict(Site.objects.filter(code__startswith=DEMO_PREFIX).values_list("code", "pk"))
    assert len(first) == 2_500
    assert load_demo_sites(2_500, 2025) == 2_500
    again = dict(Site.objects.filter(code__startswith=DEMO_PREFIX).values_list("code", "pk"))
    assert again == first  # same sites, same ids: grants pointing at them survive
    assert load_demo_sites(1_200, 3) == 1_200
    assert Site.objects.filter(code__startswith=DEMO_PREFIX).count() == 1_200
    assert Site.objects.filter(pk=mine.pk).exists()
    # Stored values are the generated ones, and every site knows its province.
    row = generate_demo_sites(1_200, 3)[-1]
    site = Site.objects.select_related("unit").get(code=row["code"])
    assert (site.name, site.contact_phone, site.unit.code) == (
        row["name"],
        row["contact_phone"],
        row["unit"],
    )
    assert site.province_id == site.unit.province_id is not None


def test_load_reports_progress_in_batches():
    calls = []
    load_demo_sites(4_500, 1, progress=lambda done, total: calls.append((done, total)))
    assert calls == [(0, 4_500), (2_000, 4_500), (4_000, 4_500), (4_500, 4_500)]


def test_cli_demo_data():
    result = CliRunner().invoke(cli.main, ["demo-data", "--sites", "500", "--seed", "7"])
    assert result.exit_code == 0, result.output
    assert "500 điểm cầu mẫu" in result.output
    assert Site.objects.filter(code__startswith=DEMO_PREFIX).count() == 500
    assert Site.objects.filter(province__code=HUE).exists()  # spread beyond Hà Nội


def test_demo_accounts_idempotent_and_scoped():
    load_demo_sites(FULL, 2025)
    lines = load_demo_accounts()
    assert any(f"hanoi / {DEMO_PASSWORD}" in line for line in lines)
    names = ("bantochuc", "hanoi", "hue", "diemcau", "bonoivu", "xem")
    assert set(User.objects.filter(username__in=names).values_list("username", flat=True)) == set(
        names
    )
    grants = Grant.objects.count()
    again = load_demo_accounts()
    assert Grant.objects.count() == grants
    assert any("hanoi (đã có" in line for line in again)

    hanoi = User.objects.get(username="hanoi")
    assert hanoi.check_password(DEMO_PASSWORD)
    visible = visible_sites(scope_for(hanoi))
    hanoi_count = Site.objects.filter(province__code=HANOI).count()
    assert hanoi_count > 100
    assert visible.count() == hanoi_count
    assert not visible.exclude(province__code=HANOI).exists()

    everything = visible_sites(scope_for(User.objects.get(username="bantochuc"))).count()
    assert everything == FULL
    operator = visible_sites(scope_for(User.objects.get(username="diemcau")))
    codes = list(operator.values_list("code", flat=True))
    assert len(codes) == 2 and all(c.startswith(f"{DEMO_PREFIX}00070-") for c in codes)
    # Reloading the demo keeps the operator's sites (same ids).
    load_demo_sites(FULL, 2025)
    operator_user = User.objects.get(username="diemcau")
    assert sorted(visible_sites(scope_for(operator_user)).values_list("code", flat=True)) == codes

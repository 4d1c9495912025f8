"""`diemcau import delegates FILE`, through the click group it is registered on."""

import click
import pytest
from click.testing import CliRunner

from diemcau.conftest import HOAN_KIEM
from diemcau.delegates.cli import register
from diemcau.delegates.models import Delegate
from diemcau.delegates.tests.helpers import csv_file

pytestmark = pytest.mark.django_db


@click.group()
def import_group() -> None:
    """Stands in for diemcau.cli's `import` group."""


register(import_group)


@pytest.fixture
def bad_file(tmp_path, make_site):
    make_site(HOAN_KIEM, code="HK-01")
    path = tmp_path / "dai-bieu.csv"
    data = csv_file(
        [["HK-01", "Nguyễn Văn An", "001085012345"], ["HK-01", "Trần Bình", "1,23457E+11"]]
    )
    path.write_bytes(data.getvalue())
    return path


def test_dry_run_reports_rows_and_writes_nothing(bad_file):
    result = CliRunner().invoke(import_group, ["delegates", str(bad_file), "--dry-run"])
    assert result.exit_code == 1
    assert "Dòng 3, cột “Số CCCD”" in result.output
    assert "Chưa ghi gì" in result.output
    assert not Delegate.objects.exists()


def test_skip_bad_writes_the_good_rows(bad_file):
    result = CliRunner().invoke(import_group, ["delegates", str(bad_file), "--skip-bad"])
    assert result.exit_code == 0, result.output
    assert "thêm 1 đại biểu" in result.output
    assert list(Delegate.objects.values_list("full_name", flat=True)) == ["Nguyễn Văn An"]


def test_as_user_limits_the_import_to_the_users_scope(bad_file, make_user):
    make_user("province_organiser", "46", username="hue")
    result = CliRunner().invoke(
        import_group, ["delegates", str(bad_file), "--as-user", "hue", "--skip-bad"]
    )
    assert "ngoài phạm vi quản lý" in result.output
    assert not Delegate.objects.exists()

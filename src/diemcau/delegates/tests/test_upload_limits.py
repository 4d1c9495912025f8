"""Uploads over settings.DIEMCAU_UPLOAD_MAX_BYTES are refused before anything stores or reads
them: a Vietnamese message on the import pages, 413 in the API, nothing written, no task."""

import re
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from diemcau import uploads
from diemcau.conftest import HOAN_KIEM
from diemcau.errors import Invalid
from diemcau.tabular import TableError, read_table
from diemcau.tasks.models import Task

pytestmark = pytest.mark.django_db
MB = 1024 * 1024


@pytest.fixture
def operator(web_as: Any, make_site: Any, settings: Any, tmp_path: Path) -> Any:
    settings.DATA_DIR = tmp_path  # where an accepted upload would be kept
    make_site(HOAN_KIEM, code="HK-01")
    return web_as("site_operator", "HK-01")


def _uploads_kept(tmp_path: Path) -> list[Path]:
    folder = tmp_path / "uploads"
    return list(folder.iterdir()) if folder.exists() else []


def test_a_60_mb_upload_is_refused_on_the_page_with_a_message(
    operator: Any, tmp_path: Path
) -> None:
    big = tmp_path / "dai-bieu.csv"
    with big.open("wb") as out:  # sparse: 60 MB that take no room on disk
        out.truncate(60 * MB)
    with big.open("rb") as file:
        response = operator.post("/delegates/import/", {"file": file, "dry_run": "on"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Tệp quá lớn (60 MB): mỗi lần tải lên tối đa 50 MB." in html
    assert response.context["form"].has_error("file", "too_large")
    assert response.context["form"]["dry_run"].value() is True  # the other fields came through
    assert Task.objects.count() == 0 and _uploads_kept(tmp_path) == []


def test_the_api_answers_413_with_the_message(api_as: Any, settings: Any) -> None:
    settings.DIEMCAU_UPLOAD_MAX_BYTES = 1 * MB
    client = api_as("central_organiser")
    for url in ("/api/v1/delegates/import", "/api/v1/sites/import"):
        file = SimpleUploadedFile("big.csv", b"a,b\n" * (MB // 2), content_type="text/csv")
        response = client.post(url, {"file": file, "dry_run": "true"})
        assert response.status_code == 413, (url, response.content)
        assert response.json()["detail"].startswith(
            "Tệp quá lớn (2 MB): mỗi lần tải lên tối đa 1 MB"
        )


def _file_operations() -> list[str]:
    """Every API operation whose body is a multipart form (a file), from the OpenAPI document."""
    from diemcau.api import api

    paths = api.get_openapi_schema()["paths"]
    return sorted(
        path
        for path, operations in paths.items()
        for operation in operations.values()
        if "multipart/form-data" in operation.get("requestBody", {}).get("content", {})
    )


def test_every_api_operation_taking_a_file_answers_413(api_as: Any, settings: Any) -> None:
    """Generated from the OpenAPI document: a new upload endpoint is covered by itself."""
    settings.DIEMCAU_UPLOAD_MAX_BYTES = 1 * MB
    client = api_as("central_organiser")
    paths = _file_operations()
    assert len(paths) >= 5  # sites, delegates, question bank, certificate images, reports
    for path in paths:
        url = re.sub(r"\{[^}]+\}", "1", path)
        file = SimpleUploadedFile("big.xlsx", b"\0" * (2 * MB), content_type="text/csv")
        response = client.post(url, {"file": file})
        assert response.status_code == 413, (path, response.status_code, response.content)
        assert response.json()["detail"].startswith("Tệp quá lớn (2 MB)")


def test_a_file_just_past_the_limit_is_cut_off_while_it_streams(
    operator: Any, api_as: Any, settings: Any, tmp_path: Path
) -> None:
    """The body fits the request's slack for form fields, so only counting the file catches it."""
    settings.DIEMCAU_UPLOAD_MAX_BYTES = 1 * MB
    data = b"x" * (MB + 100 * 1024)
    assert len(data) < uploads.upload_limit() + uploads.FORM_SLACK
    file = SimpleUploadedFile("dai-bieu.csv", data, content_type="text/csv")
    page = operator.post("/delegates/import/", {"file": file, "dry_run": "on"})
    assert page.context["form"].has_error("file", "too_large")
    assert "Tệp quá lớn (1,1 MB)" in page.content.decode()
    assert Task.objects.count() == 0 and _uploads_kept(tmp_path) == []
    file = SimpleUploadedFile("dai-bieu.csv", data, content_type="text/csv")
    api = api_as("central_organiser").post("/api/v1/delegates/import", {"file": file})
    assert api.status_code == 413


def test_a_file_within_the_limit_goes_through(operator: Any, settings: Any) -> None:
    settings.DIEMCAU_UPLOAD_MAX_BYTES = 1 * MB
    data = "Mã điểm cầu,Họ và tên,Số CCCD\nHK-01,Lê Văn Cường,001085099999\n".encode()
    file = SimpleUploadedFile("dai-bieu.csv", data, content_type="text/csv")
    response = operator.post("/delegates/import/", {"file": file, "dry_run": "on"}, follow=True)
    assert response.redirect_chain[0][0].startswith("/tasks/")
    assert response.context["task"].result["total_rows"] == 1


def test_a_refused_upload_cannot_be_read_by_code_that_forgets_to_check() -> None:
    refused = uploads.RefusedUpload("dai-bieu.xlsx", 60 * MB)
    with pytest.raises(uploads.UploadTooLarge) as raised:
        refused.read()
    assert isinstance(raised.value, Invalid) and raised.value.status_code == 413
    with pytest.raises(uploads.UploadTooLarge):
        list(refused.chunks())
    with pytest.raises(TableError, match="Tệp quá lớn"):
        list(read_table(refused, "dai-bieu.xlsx"))


def test_the_cli_refuses_a_file_over_the_limit_unless_forced(
    make_site: Any, settings: Any, tmp_path: Path
) -> None:
    from click.testing import CliRunner

    from diemcau.cli import main

    settings.DIEMCAU_UPLOAD_MAX_BYTES = 1 * MB
    make_site(HOAN_KIEM, code="HK-01")
    path = tmp_path / "dai-bieu.csv"
    rows = "".join(f"HK-01,Người {i},{i:012d}\n" for i in range(1, 60_001))
    path.write_text("Mã điểm cầu,Họ và tên,Số CCCD\n" + rows, encoding="utf-8")
    assert path.stat().st_size > 1 * MB
    for command in (["import", "delegates"], ["import", "sites"]):
        refused = CliRunner().invoke(main, [*command, "--dry-run", str(path)])
        assert refused.exit_code == 1
        size = uploads.megabytes(path.stat().st_size)
        assert f"Tệp quá lớn ({size} MB): mỗi lần tải lên tối đa 1 MB." in refused.output
        assert "--force-size" in refused.output
    forced = CliRunner().invoke(
        main, ["import", "delegates", "--dry-run", "--force-size", str(path)]
    )
    assert "Tệp quá lớn" not in forced.output and "60000 dòng" in forced.output, forced.output

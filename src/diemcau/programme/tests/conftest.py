"""Programme fixtures: a materials store in a temporary folder, tiny valid files, the demo."""

import datetime as dt
import io
import zipfile
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from diemcau.programme.demo import load_demo_programme
from diemcau.programme.models import Conference


@pytest.fixture(autouse=True)
def materials_dir(settings: Any, tmp_path: Path) -> Path:
    """Every test stores materials under its own tmp folder, never in ./data."""
    settings.DATA_DIR = tmp_path
    return tmp_path / "materials"


def pdf_bytes(text: str = "tai lieu") -> bytes:
    return b"%PDF-1.4\n% " + text.encode() + b"\n%%EOF\n"


def office_bytes(part: str = "word/document.xml") -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(part, "<doc/>")
    return out.getvalue()


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


@pytest.fixture
def demo(db: None) -> Conference:
    """The demo placed on the model event's own first morning (it is dated around "now")."""
    load_demo_programme(dt.datetime(2025, 6, 14, 7, 45, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")))
    return Conference.objects.get(slug="tap-huan-cap-xa-2025")

"""Programme fixtures: a materials store in a temporary folder, tiny valid files, the demo."""

import io
import zipfile
from pathlib import Path
from typing import Any

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
    load_demo_programme()
    return Conference.objects.get(slug="tap-huan-cap-xa-2025")

"""The stream table's status heading is "Trạng thái" (issue 17, finding 2: the English "State"
was rendered "Chính quyền", government — the sites catalogue's kind of site)."""

import re
from typing import Any

import pytest

pytestmark = pytest.mark.django_db


def test_the_stream_tables_status_heading_is_trang_thai(web_as: Any) -> None:
    html = web_as("central_organiser").get("/operations/").content.decode()
    section = re.search(r'<section id="stream-network".*?</section>', html, re.S)
    assert section is not None
    heads = re.findall(r"<thead>.*?</thead>", section.group(0), re.S)
    assert "<th>Trạng thái</th>" in heads[0]
    assert not any("Chính quyền" in head for head in heads)

"""The attendance page in Vietnamese, its live totals announced to screen readers (issue 17)."""

import re

import pytest

from diemcau.web.tests.catalogues import compiled_catalogues

__all__ = ["compiled_catalogues"]
pytestmark = pytest.mark.django_db


def test_the_page_is_vietnamese_and_its_live_totals_are_announced(web_as, compiled_catalogues):
    html = web_as("central_organiser").get("/attendance/").content.decode()
    shown = re.sub(r"<script.*?</script>", "", html, flags=re.DOTALL)  # what a reader sees
    for english in ("Whole conference", "registered", "checked in", "present", "sites reporting",
                    "Refreshed every"):  # fmt: skip
        assert not re.search(rf">[^<]*\b{english}\b", shown), english
    for vietnamese in ("Toàn hội nghị", "Tự cập nhật mỗi 5 giây.", "đăng ký", "đã điểm danh",
                       "có mặt", "điểm cầu có số liệu"):  # fmt: skip
        assert vietnamese in html
    assert re.search(r'<ul class="ops-counts" id="att-totals" aria-live="polite"', html)

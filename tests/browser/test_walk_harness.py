"""The walkthrough's checker can fail: a page with a missing label, an image without words, a
JavaScript exception or a server error is reported, so a clean walk means something."""

from typing import Any

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BROKEN = """<!doctype html><html lang="vi"><head><title>x</title></head><body><main>
<img src="/static/none.png"><input type="text">
<script>throw new Error("hỏng")</script></main></body></html>"""


def test_the_checker_reports_violations_and_script_errors(walk_as: Any) -> None:
    walk = walk_as("harness")
    walk.page.set_content(BROKEN)
    walk.check("broken page")
    found = "\n".join(f.what for f in walk.findings)
    assert "axe critical: image-alt" in found
    assert "axe critical: label" in found
    assert "JavaScript error" in found and "hỏng" in found
    with pytest.raises(AssertionError):
        walk.assert_clean()


def test_a_missing_page_is_a_finding(walk_as: Any, units: None) -> None:
    walk = walk_as("harness")
    walk.visit("/khong-co-trang-nay/", "missing")
    assert any(f.what == "HTTP 404" for f in walk.findings)

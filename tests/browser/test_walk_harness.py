"""The walkthrough's checker can fail: a page with a missing label, an image without words or a
JavaScript exception is reported, so a clean walk means something. (No server and no database
here: the page is set straight into the browser.)"""

from pathlib import Path
from typing import Any

import pytest

from .walk import DESKTOP, Walk

pytestmark = pytest.mark.browser

BROKEN = """<!doctype html><html lang="vi"><head><title>x</title></head><body><main>
<img src="/static/none.png"><input type="text">
<script>throw new Error("hỏng")</script></main></body></html>"""


def test_the_checker_reports_violations_and_script_errors(chromium: Any, tmp_path: Path) -> None:
    context = chromium.new_context(viewport=DESKTOP)
    try:
        walk = Walk(context.new_page(), "", tmp_path / "harness")
        walk.page.set_content(BROKEN)
        walk.check("broken page")
        found = "\n".join(f.what for f in walk.findings)
        assert "axe critical: image-alt" in found
        assert "axe critical: label" in found
        assert "JavaScript error" in found and "hỏng" in found
        with pytest.raises(AssertionError):
            walk.assert_clean()
    finally:
        context.close()

"""The assessment's forms label their fields in sentence case, in Vietnamese (issue 17 found
"số câu hỏi mỗi lượt", "điểm đạt (%)"… in lower case on the settings page)."""

import re
from html.parser import HTMLParser
from typing import Any

import pytest

from diemcau.assessment.tests.helpers import world

pytestmark = pytest.mark.django_db


class _Labels(HTMLParser):
    """The text of every <label> but a grader's (a user name, as written, names a checkbox)."""

    def __init__(self) -> None:
        super().__init__()
        self.labels: list[str] = []
        self._depth = 0

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag == "label" and not re.fullmatch(r"g\d+", dict(attrs).get("for") or ""):
            self._depth += 1
            self.labels.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "label" and self._depth:
            self._depth -= 1

    def handle_data(self, data: str) -> None:
        if self._depth:
            self.labels[-1] += data


def _labels(html: str) -> list[str]:
    parser = _Labels()
    parser.feed(html)
    return [re.sub(r"\s+", " ", label).strip() for label in parser.labels]


@pytest.mark.parametrize(
    "page", ["{c}/", "{c}/certificates/template/", "{c}/grading/assign/", "links/"]
)
def test_every_label_starts_with_a_capital(
    page: str, make_site: Any, web_as: Any, settings: Any, tmp_path: Any
) -> None:
    settings.DATA_DIR = tmp_path
    w = world(make_site)
    html = web_as("central_organiser").get(f"/assessment/{page.format(c=w['conference'].pk)}")
    labels = [label for label in _labels(html.content.decode()) if label]
    assert len(labels) >= 1
    lower = [label for label in labels if not label[0].isupper()]
    assert lower == []


def test_the_settings_page_reads_in_vietnamese(make_site: Any, web_as: Any) -> None:
    w = world(make_site)
    html = web_as("central_organiser").get(f"/assessment/{w['conference'].pk}/").content.decode()
    for label in ("Số câu hỏi mỗi lượt", "Điểm đạt (%)", "Số phiên dự tối thiểu", "Người ký"):
        assert f">{label}</label>" in html

"""The printable agenda (PDF with Vietnamese text) and the iCalendar feed."""

import datetime as dt
import io

import pytest
from pypdf import PdfReader

from diemcau.accounts.scopes import Scope
from diemcau.programme import services
from diemcau.programme.ical import _fold
from diemcau.programme.models import Topic

pytestmark = pytest.mark.django_db


def test_pdf_agenda_renders_vietnamese_diacritics(demo, web_as):
    response = web_as("viewer").get(f"/programme/{demo.pk}/agenda.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    for expected in (
        "Nguyễn Thị Thu Hà",
        "Phạm Thị Thanh Trà",
        "Học viện Chính trị quốc gia",
        "Ngày 14/06/2025",
        "chuyên đề mẫu",
    ):
        assert expected in text, expected
    fonts = {
        str(font["/BaseFont"])
        for page in reader.pages
        for font in page["/Resources"]["/Font"].values()
    }
    assert any("DejaVuSans" in name for name in fonts)


def test_pdf_marks_changes_after_publication(demo, web_as):
    central = Scope(user_id=0, everything=True)
    services.publish_conference(central, demo.pk)
    topic = Topic.objects.get(session__day__conference=demo, number=7)
    services.update_topic(central, topic.pk, {"planned_minutes": 40})
    response = web_as("viewer").get(f"/programme/{demo.pk}/agenda.pdf")
    reader = PdfReader(io.BytesIO(response.content))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    assert text.count("[đã thay đổi]") == 1


def _parse_ical(text: str) -> list[dict[str, str]]:
    """A small RFC 5545 reader: unfold, split name:value, collect VEVENTs, unescape TEXT."""
    assert text.endswith("\r\n")
    assert "\n" not in text.replace("\r\n", "")
    lines = text.split("\r\n")[:-1]
    unfolded: list[str] = []
    for line in lines:
        assert len(line.encode()) <= 75
        if line.startswith(" "):
            unfolded[-1] += line[1:]
        else:
            unfolded.append(line)
    assert unfolded[0] == "BEGIN:VCALENDAR" and unfolded[-1] == "END:VCALENDAR"
    events: list[dict[str, str]] = []
    current: dict[str, str] | None = None
    for line in unfolded:
        name, _, value = line.partition(":")
        if line == "BEGIN:VEVENT":
            current = {}
        elif line == "END:VEVENT":
            assert current is not None
            events.append(current)
            current = None
        elif current is not None:
            current[name] = (
                value.replace("\\n", "\n")
                .replace("\\,", ",")
                .replace("\\;", ";")
                .replace("\\\\", "\\")
            )
    return events


def test_ical_feed_parses_back(demo, web_as):
    response = web_as("viewer").get(f"/programme/{demo.pk}/agenda.ics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    events = _parse_ical(response.content.decode())
    assert len(events) == 5  # the rehearsal and four sessions
    assert len({e["UID"] for e in events}) == 5
    first = events[1]
    start = dt.datetime.strptime(first["DTSTART"], "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC)
    end = dt.datetime.strptime(first["DTEND"], "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC)
    assert start == dt.datetime(2025, 6, 14, 0, 30, tzinfo=dt.UTC)  # 07:30 in Hà Nội
    assert end - start == dt.timedelta(minutes=200)  # four topics of 50 minutes
    assert first["DTSTAMP"].endswith("Z")
    assert "Nguyễn Thị Thu Hà" in first["DESCRIPTION"]
    assert "\n2. Tổ chức và hoạt động của Mặt trận Tổ quốc, các tổ chức" in first["DESCRIPTION"]
    assert first["LOCATION"] == "Học viện Chính trị quốc gia Hồ Chí Minh"


def test_fold_never_splits_a_vietnamese_letter():
    line = "DESCRIPTION:" + "Nguyễn Thị Thu Hà " * 20
    pieces = _fold(line)
    assert all(len(p.encode()) <= 75 for p in pieces)
    assert "".join(p[1:] if i else p for i, p in enumerate(pieces)) == line

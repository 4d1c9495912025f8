"""One number and date format everywhere (issue 17): 11.000 and 14/6/2025 07:30 in Hà Nội time,
whether a page, an XLSX or a PDF writes it; the programme page once wrote "11000" and "1500000"."""

import datetime as dt

import pytest
from django.template import Context, Template

from diemcau import vnformat

MOMENT = dt.datetime(2025, 6, 14, 0, 30, tzinfo=dt.UTC)  # 07:30 in Hà Nội


def render(text: str, **context: object) -> str:
    return Template("{% load vn %}" + text).render(Context(context))


def test_numbers_group_thousands_with_dots_and_decimals_with_a_comma():
    assert vnformat.number(11000) == "11.000"
    assert vnformat.number(1_500_000) == "1.500.000"
    assert vnformat.number(1234.5) == "1.234,5"
    assert vnformat.number(66.66, 1) == "66,7"
    assert vnformat.number(None) == "–"
    assert render("{{ n|so }} {{ f|so }} {{ t|so }} {{ missing|so }}", n=11003, f=1.5, t="Huế") == (
        "11.003 1,5 Huế –"
    )


def test_moments_are_local_and_written_day_month_year():
    assert vnformat.datetime(MOMENT) == "14/6/2025 07:30"
    assert vnformat.datetime("2026-12-05T02:38:24.336917+00:00") == "5/12/2026 09:38"
    assert vnformat.date(dt.date(2025, 6, 14)) == "14/6/2025"
    assert vnformat.excel_datetime(MOMENT) == dt.datetime(2025, 6, 14, 7, 30)
    shown = render(
        "{{ m|ngaygio }}|{{ m|ngay }}|{{ m|gio }}|{{ iso|ngaygio }}|{{ d|ngay }}|{{ t|gio }}",
        m=MOMENT,
        iso=MOMENT.isoformat(),
        d=dt.date(2025, 6, 15),
        t=dt.time(13, 5),
    )
    assert shown == "14/6/2025 07:30|14/6/2025|07:30|14/6/2025 07:30|15/6/2025|13:05"


@pytest.mark.django_db
def test_the_programme_page_writes_its_targets_as_vietnamese_numbers(
    client, django_user_model, settings
):
    from diemcau.accounts.services import add_user
    from diemcau.programme.models import Conference

    settings.DIEMCAU_2FA_ROLES = []  # signed in by force_login: not what this test is about
    conference = Conference.objects.create(
        slug="tap-huan",
        name="Hội nghị tập huấn",
        host="BTC",
        starts_on=dt.date(2025, 6, 14),
        ends_on=dt.date(2025, 6, 15),
        target_sites=11000,
        target_delegates=1_500_000,
    )
    add_user("vn-central", "central_organiser", None, password="mat-khau-rat-dai-123")
    client.force_login(django_user_model.objects.get(username="vn-central"))
    response = client.get(f"/programme/{conference.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<strong>11.000</strong>" in html and "<strong>1.500.000</strong>" in html
    assert "14/6/2025 – 15/6/2025" in html
    assert "11000" not in html and "1500000" not in html

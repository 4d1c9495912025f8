"""The second factor behind a badge QR or a personal link: a photographed badge alone opens no
quiz, no learning report and no certificate; the last 4 digits of the CCCD do, for that delegate
only, and guessing them is stopped per delegate and per address."""

import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.test import Client, override_settings

from diemcau.accounts.scopes import scope_for
from diemcau.accounts.services import add_user
from diemcau.assessment.delegate import services as delegate_factor
from diemcau.assessment.links import token_for
from diemcau.assessment.models import Attempt, Certificate
from diemcau.assessment.quiz import services as quiz
from diemcau.assessment.tests.helpers import attend, passed_client, right_answers, world
from diemcau.assessment.tests.test_completion import complete
from diemcau.delegates.badge_token import payload_for
from diemcau.delegates.models import Delegate

pytestmark = pytest.mark.django_db
FORM = "4 số cuối số CCCD"


@pytest.fixture(autouse=True)
def _fresh_counts() -> Iterator[None]:
    """Wrong answers are counted in the cache, which outlives a test's transaction."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def w(make_site: Any) -> dict[str, Any]:
    return world(make_site)


def _unlock(client: Client, token: str, digits: str, **extra: Any) -> Any:
    return client.post(f"/hoc-vien/{token}/xac-thuc/", {"digits": digits, **extra}, **extra)


def _wrong(delegate: Delegate) -> str:
    return f"{(int(delegate.national_id_last4) + 1) % 10000:04d}"


def test_a_badge_alone_shows_the_form_not_the_pages(w: dict[str, Any]) -> None:
    conf = w["conference"].pk
    an = w["an"]
    badge = payload_for(an.code, an.secret)
    client = Client()
    page = client.get(f"/hoc-vien/{badge}/{conf}/", follow=True)
    html = page.content.decode()
    assert page.status_code == 200 and FORM in html
    assert "Nguyễn Văn An" not in html and "Bắt đầu làm bài" not in html
    report = client.get(f"/hoc-vien/{badge}/{conf}/report/", follow=True).content.decode()
    assert FORM in report and "Những điều đã học" not in report
    attend(an, w["sessions"][0])
    pdf = client.get(f"/hoc-vien/{badge}/{conf}/certificate.pdf", follow=True)
    assert not pdf.content.startswith(b"%PDF") and FORM in pdf.content.decode()
    assert not Certificate.objects.filter(delegate=an).exists()
    client.post(f"/hoc-vien/{badge}/{conf}/start/")
    assert not Attempt.objects.filter(delegate=an).exists()
    # nor through the API behind the same link
    api = f"/api/v1/assessment/me/{badge}/{conf}"
    refused = client.get(api)
    assert refused.status_code == 403 and "4 số cuối" in refused.json()["detail"]
    assert client.post(f"{api}/attempts").status_code == 403
    assert client.get(f"{api}/certificate.pdf").status_code == 403
    assert not Attempt.objects.filter(delegate=an).exists()


def test_wrong_digits_refused_right_digits_open(w: dict[str, Any]) -> None:
    conf = w["conference"].pk
    an = w["an"]
    token = token_for(an)
    client = Client()
    asked = client.get(f"/hoc-vien/{token}/{conf}/")
    assert asked.status_code == 302 and "/xac-thuc/?next=" in asked["Location"]
    wrong = _unlock(client, token, _wrong(an), next=f"/hoc-vien/{token}/{conf}/")
    assert wrong.status_code == 200 and "không khớp" in wrong.content.decode()
    assert delegate_factor.COOKIE not in wrong.cookies
    assert FORM in client.get(f"/hoc-vien/{token}/{conf}/", follow=True).content.decode()
    malformed = _unlock(client, token, "12a")
    assert "đúng 4 chữ số" in malformed.content.decode()

    right = _unlock(client, token, an.national_id_last4, next=f"/hoc-vien/{token}/{conf}/")
    assert right.status_code == 302 and right["Location"] == f"/hoc-vien/{token}/{conf}/"
    cookie = right.cookies[delegate_factor.COOKIE]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert int(cookie["max-age"]) == 12 * 3600  # the conference day, not two weeks
    page = client.get(f"/hoc-vien/{token}/{conf}/").content.decode()
    assert "Nguyễn Văn An" in page and "Bắt đầu làm bài" in page
    # and the badge QR opens the same delegate without asking again
    badge = payload_for(an.code, an.secret)
    assert client.get(f"/hoc-vien/{badge}/{conf}/").status_code == 200
    started = client.post(f"/api/v1/assessment/me/{badge}/{conf}/attempts")
    assert started.status_code == 200


def test_the_pass_opens_only_its_delegate(w: dict[str, Any]) -> None:
    conf = w["conference"].pk
    an, binh = w["an"], w["binh"]
    client = Client()
    _unlock(client, token_for(an), an.national_id_last4)
    assert client.get(f"/hoc-vien/{token_for(an)}/{conf}/").status_code == 200
    other = client.get(f"/hoc-vien/{token_for(binh)}/{conf}/", follow=True).content.decode()
    assert FORM in other and "Trần Thị Bình" not in other
    assert client.get(f"/api/v1/assessment/me/{token_for(binh)}/{conf}").status_code == 403
    # An's digits are not Bình's
    assert "không khớp" in _unlock(client, token_for(binh), an.national_id_last4).content.decode()
    # a revoked badge (new secret) voids the pass together with the old link
    attempt = quiz.start_attempt(an, conf)
    an.secret = "f" * 32
    an.save()
    fresh = token_for(an)
    assert client.get(f"/hoc-vien/{fresh}/{conf}/").status_code == 302
    assert Attempt.objects.get(pk=attempt.pk).submitted_at is None


def test_lockout_per_delegate_refuses_even_the_right_digits(
    w: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    conf = w["conference"].pk
    an, binh = w["an"], w["binh"]
    token = token_for(an)
    client = Client()
    for _ in range(delegate_factor.delegate_limit() - 1):
        assert _unlock(client, token, _wrong(an)).status_code == 200
    last = _unlock(client, token, _wrong(an))  # the fifth wrong answer locks
    assert last.status_code == 429 and "thử lại sau 15 phút" in last.content.decode()
    locked = _unlock(client, token, an.national_id_last4)
    text = locked.content.decode()
    assert locked.status_code == 429 and "thử lại sau 15 phút" in text
    assert 0 < int(locked["Retry-After"]) <= 15 * 60
    assert delegate_factor.COOKIE not in locked.cookies
    assert client.get(f"/hoc-vien/{token}/xac-thuc/").status_code == 429  # said before typing
    # from another phone too: the count is the delegate's, not the browser's
    elsewhere = _unlock(Client(), token, an.national_id_last4, REMOTE_ADDR="10.1.1.1")
    assert elsewhere.status_code == 429
    api = Client().post(
        f"/api/v1/assessment/me/{token}/unlock",
        {"digits": an.national_id_last4},
        content_type="application/json",
        REMOTE_ADDR="10.1.1.2",
    )
    assert api.status_code == 429 and "thử lại sau" in api.json()["detail"]
    # another delegate at the same address is not locked by An's count
    assert _unlock(client, token_for(binh), binh.national_id_last4).status_code == 302
    # once the quarter of an hour is over, the right digits open
    later = time.time() + 15 * 60 + 1
    monkeypatch.setattr(time, "time", lambda: later)
    opened = _unlock(Client(), token, an.national_id_last4)
    assert opened.status_code == 302
    assert passed_client(an).get(f"/hoc-vien/{token}/{conf}/").status_code == 200


@override_settings(DIEMCAU_DELEGATE_FACTOR_ADDRESS_TRIES=6)
def test_lockout_per_address_across_delegates(w: dict[str, Any]) -> None:
    an, binh, hoa = w["an"], w["binh"], w["hoa"]
    spray = Client(REMOTE_ADDR="203.0.113.7")
    for delegate, tries in ((an, 4), (binh, 2)):  # under each delegate's 5, 6 for the address
        for _ in range(tries):
            _unlock(spray, token_for(delegate), _wrong(delegate), REMOTE_ADDR="203.0.113.7")
    refused = _unlock(spray, token_for(hoa), hoa.national_id_last4, REMOTE_ADDR="203.0.113.7")
    assert refused.status_code == 429 and "thử lại sau" in refused.content.decode()
    # Hoa herself, from her own address, is not locked out by that address's guessing
    own = _unlock(Client(), token_for(hoa), hoa.national_id_last4, REMOTE_ADDR="198.51.100.4")
    assert own.status_code == 302


@override_settings(SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"))
def test_behind_nginx_the_address_is_the_hop_nginx_appended(w: dict[str, Any]) -> None:
    """Every request comes from nginx's address: counting that would lock the whole country."""
    an, hoa = w["an"], w["hoa"]
    with override_settings(DIEMCAU_DELEGATE_FACTOR_ADDRESS_TRIES=3):
        for forged in ("1.1.1.1", "2.2.2.2", "3.3.3.3"):  # a client-written hop changes nothing
            _unlock(
                Client(), token_for(an), _wrong(an),
                HTTP_X_FORWARDED_FOR=f"{forged}, 203.0.113.9",
            )  # fmt: skip
        guesser = _unlock(
            Client(), token_for(hoa), hoa.national_id_last4,
            HTTP_X_FORWARDED_FOR="9.9.9.9, 203.0.113.9",
        )  # fmt: skip
        assert guesser.status_code == 429
        neighbour = _unlock(
            Client(), token_for(hoa), hoa.national_id_last4,
            HTTP_X_FORWARDED_FOR="198.51.100.20",
        )  # fmt: skip
        assert neighbour.status_code == 302


def test_the_api_gives_the_same_pass(w: dict[str, Any]) -> None:
    conf = w["conference"].pk
    an = w["an"]
    client = Client()
    url = f"/api/v1/assessment/me/{token_for(an)}/unlock"
    wrong = client.post(url, {"digits": _wrong(an)}, content_type="application/json")
    assert wrong.status_code == 403 and wrong.json()["tries_left"] == 4
    assert "không khớp" in wrong.json()["detail"]
    bad = client.post(url, {"digits": "12"}, content_type="application/json")
    assert bad.status_code == 422 and "4 chữ số" in bad.json()["fields"]["digits"]
    right = client.post(url, {"digits": an.national_id_last4}, content_type="application/json")
    assert right.status_code == 200 and right.json()["expires_in"] == 12 * 3600
    base = f"/api/v1/assessment/me/{token_for(an)}/{conf}"
    attempt = client.post(f"{base}/attempts").json()
    submitted = client.post(
        f"{base}/attempts/{attempt['id']}/submit",
        {"answers": right_answers(Attempt.objects.get(pk=attempt["id"]))},
        content_type="application/json",
    )
    assert submitted.status_code == 200 and submitted.json()["passed"]


def test_the_pass_expires_after_the_day(w: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    conf = w["conference"].pk
    an = w["an"]
    client = passed_client(an)
    assert client.get(f"/hoc-vien/{token_for(an)}/{conf}/").status_code == 200
    later = time.time() + 12 * 3600 + 5
    monkeypatch.setattr(time, "time", lambda: later)
    assert client.get(f"/hoc-vien/{token_for(an)}/{conf}/").status_code == 302


def test_no_cccd_on_file_an_operator_of_the_site_confirms(w: dict[str, Any]) -> None:
    conf = w["conference"].pk
    an = w["an"]
    Delegate.objects.filter(pk=an.pk).update(national_id_last4="")
    token = token_for(an)
    anonymous = Client()
    page = anonymous.get(f"/hoc-vien/{token}/xac-thuc/").content.decode()
    assert "chưa có số CCCD" in page and 'name="digits"' not in page
    assert "Xác nhận đại biểu tại điểm cầu" not in page
    assert anonymous.post(f"/hoc-vien/{token}/xac-thuc/", {"confirm": "1"}).status_code == 200
    assert anonymous.get(f"/hoc-vien/{token}/{conf}/").status_code == 302
    assert _unlock(anonymous, token, "0000").status_code == 200  # no digits match nothing
    # Huế's operator may not confirm a Hà Nội delegate; Hoàn Kiếm's operator may
    add_user("op-hue", "site_operator", "HUE-A", password="mat-khau-123")
    add_user("op-hk", "site_operator", "HK-A", password="mat-khau-123")
    users = get_user_model().objects
    hue = Client()
    hue.force_login(users.get(username="op-hue"))
    hue.post(f"/hoc-vien/{token}/xac-thuc/", {"confirm": "1"})
    assert hue.get(f"/hoc-vien/{token}/{conf}/").status_code == 302
    hk = Client()
    hk.force_login(users.get(username="op-hk"))
    form = hk.get(f"/hoc-vien/{token}/xac-thuc/").content.decode()
    assert "Xác nhận đại biểu tại điểm cầu" in form and "Nguyễn Văn An" in form
    confirmed = hk.post(
        f"/hoc-vien/{token}/xac-thuc/", {"confirm": "1", "next": f"/hoc-vien/{token}/{conf}/"}
    )
    assert confirmed.status_code == 302
    assert "Bắt đầu làm bài" in hk.get(f"/hoc-vien/{token}/{conf}/").content.decode()


def test_next_never_leaves_the_delegate_pages(w: dict[str, Any]) -> None:
    an = w["an"]
    token = token_for(an)
    for target in ("https://evil.example/", "//evil.example/x", "/assessment/"):
        done = _unlock(Client(), token, an.national_id_last4, next=target)
        assert done["Location"] == f"/hoc-vien/{token}/"


def test_certificate_verification_stays_public(
    w: dict[str, Any], make_user: Any, settings: Any, tmp_path: Any
) -> None:
    """The QR on a certificate opens its verification page for anyone: no factor, no cookie."""
    settings.DATA_DIR = tmp_path
    complete(w, "an", scope_for(make_user("central_organiser")))
    conf = w["conference"].pk
    downloaded = passed_client(w["an"]).get(
        f"/hoc-vien/{token_for(w['an'])}/{conf}/certificate.pdf"
    )
    assert downloaded.content.startswith(b"%PDF")
    cert = Certificate.objects.get(delegate=w["an"])
    stranger = Client()
    page = stranger.get(f"/xac-minh/{cert.code}/")
    assert page.status_code == 200 and "Giấy chứng nhận hợp lệ" in page.content.decode()
    assert FORM not in page.content.decode() and delegate_factor.COOKIE not in page.cookies
    assert stranger.get("/xac-minh/").status_code == 200


def test_leaving_on_a_shared_device_closes_the_pages(w: dict[str, Any]) -> None:
    conf = w["conference"].pk
    an = w["an"]
    token = token_for(an)
    client = passed_client(an)
    page = client.get(f"/hoc-vien/{token}/{conf}/").content.decode()
    assert "Thoát" in page
    left = client.post(f"/hoc-vien/{token}/thoat/")
    assert left.status_code == 302 and left["Location"] == f"/hoc-vien/{token}/xac-thuc/"
    assert client.get(f"/hoc-vien/{token}/{conf}/").status_code == 302
    assert client.get(f"/hoc-vien/{token}/thoat/").status_code == 405  # never by a mere link

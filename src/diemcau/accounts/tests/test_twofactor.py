"""Two-factor sign-in for organisers (django-otp): enrolment by QR, codes, recovery codes, reset."""

import re
from datetime import timedelta

import pytest
from click.testing import CliRunner
from django.test import Client
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from diemcau.accounts import twofactor
from diemcau.accounts.services import issue_token
from diemcau.cli import main
from diemcau.conftest import HANOI, HUE

pytestmark = pytest.mark.django_db

HELD_VI = "bắt buộc xác thực hai bước"


@pytest.fixture(autouse=True)
def _two_factor(settings):
    settings.DIEMCAU_2FA_ROLES = ["central_organiser", "province_organiser"]


def _code(device: TOTPDevice, offset: int = 0) -> str:
    """What the person's phone shows now (or `offset` steps later), computed from the key."""
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=offset)
    return f"{code:06d}"


def _enrol(client: Client, user) -> list[str]:
    page = client.get("/accounts/2fa/enrol/")
    assert page.status_code == 200
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    done = client.post("/accounts/2fa/enrol/", {"code": _code(device)})
    assert done.status_code == 200
    return re.findall(r"<code>([a-z2-7]{8})</code>", done.content.decode())


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_an_organiser_is_sent_to_enrolment_on_every_page_and_refused_by_the_api(make_user):
    org = make_user("province_organiser", HANOI)
    client = _signed_in(org)
    for path in ("/", "/sites/", "/admin/", "/accounts/security/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/accounts/2fa/?next=")
    assert client.get("/accounts/2fa/?next=/sites/").url == "/accounts/2fa/enrol/?next=/sites/"
    api = client.get("/api/v1/me")
    assert api.status_code == 403 and HELD_VI in api.json()["detail"]
    # A program's bearer token is not held.
    token = issue_token(org.username)
    assert Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200


def test_other_roles_and_a_relaxed_setting_are_not_held(make_user, make_site, settings):
    operator = make_user("site_operator", make_site().code)
    assert _signed_in(operator).get("/sites/").status_code == 200
    settings.DIEMCAU_2FA_ROLES = []
    assert _signed_in(make_user("central_organiser")).get("/sites/").status_code == 200
    # Nobody asks them for a code, so the second-factor pages send them on.
    assert _signed_in(operator).get("/accounts/2fa/enrol/?next=/sites/").url == "/sites/"
    settings.DIEMCAU_2FA_ROLES = ["site_operator"]
    assert _signed_in(operator).get("/sites/").status_code == 302


def test_enrolment_by_qr_then_code_then_ten_recovery_codes_shown_once(make_user):
    org = make_user("central_organiser")
    client = _signed_in(org)
    page = client.get("/accounts/2fa/enrol/?next=/sites/")
    html = page.content.decode()
    main = html.split("<main", 1)[1].split("</main>", 1)[0]
    assert "<svg" in main and "<script" not in main  # the QR drawn inline, no script to run
    assert "Thiết lập xác thực hai bước" in html
    device = TOTPDevice.objects.get(user=org, confirmed=False)
    wrong = client.post("/accounts/2fa/enrol/", {"code": "000000", "next": "/sites/"})
    assert "Mã không đúng" in wrong.content.decode()
    assert client.get("/sites/").status_code == 302
    device.refresh_from_db()
    device.throttling_failure_count = 0  # the wrong try throttles the next one for 1 s
    device.save()
    done = client.post("/accounts/2fa/enrol/", {"code": _code(device), "next": "/sites/"})
    codes = re.findall(r"<code>([a-z2-7]{8})</code>", done.content.decode())
    assert len(codes) == 10 == StaticToken.objects.filter(device__user=org).count()
    assert "Mã dự phòng" in done.content.decode()
    assert client.get("/sites/").status_code == 200
    assert client.get("/api/v1/me").status_code == 200
    # Enrolled: the enrol page no longer shows a new key.
    assert client.get("/accounts/2fa/enrol/").url == "/accounts/2fa/verify/"


def test_next_session_asks_for_a_code_and_a_recovery_code_works_once(make_user):
    org = make_user("province_organiser", HANOI)
    codes = _enrol(_signed_in(org), org)
    device = TOTPDevice.objects.get(user=org, confirmed=True)

    second = _signed_in(org)
    assert second.get("/sites/").url == "/accounts/2fa/?next=%2Fsites%2F"
    assert second.get("/accounts/2fa/").url == "/accounts/2fa/verify/"
    bad = second.post("/accounts/2fa/verify/", {"code": "12345678"})
    assert bad.status_code == 200 and "Mã không đúng" in bad.content.decode()
    # django-otp throttles the recovery codes after a wrong one: 1 s, then 2 s, 4 s …
    hurried = second.post("/accounts/2fa/verify/", {"code": codes[0]})
    assert "Hãy đợi vài giây" in hurried.content.decode()
    StaticDevice.objects.filter(user=org).update(
        throttling_failure_timestamp=timezone.now() - timedelta(seconds=5)
    )
    ok = second.post("/accounts/2fa/verify/", {"code": codes[0].upper(), "next": "/sites/"})
    assert ok.status_code == 302 and ok.url == "/sites/"
    assert second.get("/sites/").status_code == 200

    third = _signed_in(org)
    reused = third.post("/accounts/2fa/verify/", {"code": codes[0]})
    assert reused.status_code == 200
    assert third.get("/sites/").status_code == 302
    assert StaticToken.objects.filter(device__user=org).count() == 9
    # The authenticator code works too (a later step than the one used at enrolment).
    device.refresh_from_db()
    fourth = _signed_in(org)
    assert (
        fourth.post("/accounts/2fa/verify/", {"code": _code(device, offset=1)}).status_code == 302
    )
    assert fourth.get("/api/v1/me").status_code == 200


def test_an_open_redirect_is_not_followed(make_user):
    org = make_user("central_organiser")
    client = _signed_in(org)
    _enrol(client, org)
    second = _signed_in(org)
    codes = twofactor.new_recovery_codes(org)
    out = second.post("/accounts/2fa/verify/", {"code": codes[0], "next": "https://evil.example/"})
    assert out.url == "/"


def test_reset_by_an_organiser_in_scope_and_refused_outside(make_user, settings):
    settings.DIEMCAU_2FA_ROLES = ["province_organiser"]  # the central actor needs no code here
    hanoi = make_user("province_organiser", HANOI)
    hanoi_client = _signed_in(hanoi)
    _enrol(hanoi_client, hanoi)
    assert hanoi_client.get("/sites/").status_code == 200

    hue_org = make_user("province_organiser", HUE)
    hue_client = _signed_in(hue_org)
    _enrol(hue_client, hue_org)
    assert hue_client.post(f"/accounts/security/{hanoi.pk}/reset-2fa/").status_code == 403
    assert twofactor.has_device(hanoi)

    centre = _signed_in(make_user("central_organiser"))
    page = centre.get("/accounts/security/?q=" + hanoi.username)
    assert "Đặt lại hai bước" in page.content.decode()
    done = centre.post(f"/accounts/security/{hanoi.pk}/reset-2fa/", follow=True)
    assert "Đã đặt lại xác thực hai bước" in done.content.decode()
    assert not twofactor.has_device(hanoi)
    # The session that was verified with the removed device is held again, at enrolment.
    assert hanoi_client.get("/sites/").status_code == 302
    assert hanoi_client.get("/accounts/2fa/").url == "/accounts/2fa/enrol/"


def test_a_province_organiser_resets_a_viewer_of_their_province(make_user, settings):
    settings.DIEMCAU_2FA_ROLES = ["province_organiser", "viewer"]
    viewer = make_user("viewer", HANOI)
    _enrol(_signed_in(viewer), viewer)
    hanoi = make_user("province_organiser", HANOI)
    client = _signed_in(hanoi)
    _enrol(client, hanoi)
    assert client.post(f"/accounts/security/{viewer.pk}/reset-2fa/").status_code == 302
    assert not twofactor.has_device(viewer)
    national = make_user("viewer")  # a national viewer is the centre's, not a province's
    assert client.post(f"/accounts/security/{national.pk}/reset-2fa/").status_code == 403


def test_cli_reset_2fa(make_user):
    org = make_user("central_organiser")
    _enrol(_signed_in(org), org)
    result = CliRunner().invoke(main, ["user", "reset-2fa", org.username])
    assert result.exit_code == 0, result.output
    assert "Đã đặt lại xác thực hai bước" in result.output
    assert not twofactor.has_device(org)
    assert CliRunner().invoke(main, ["user", "reset-2fa", "nobody-here"]).exit_code == 1


def test_new_recovery_codes_replace_the_old_ones_for_a_verified_session_only(make_user):
    org = make_user("central_organiser")
    client = _signed_in(org)
    old = _enrol(client, org)
    assert "Tạo mã dự phòng mới" in client.get("/accounts/security/").content.decode()
    fresh = client.post("/accounts/2fa/recovery-codes/")
    new = re.findall(r"<code>([a-z2-7]{8})</code>", fresh.content.decode())
    assert len(new) == 10 and not set(new) & set(old)
    assert twofactor.check_code(org, new[0]).device is not None
    assert twofactor.check_code(org, old[0]).device is None
    unverified = _signed_in(org)
    assert unverified.post("/accounts/2fa/recovery-codes/").status_code == 403

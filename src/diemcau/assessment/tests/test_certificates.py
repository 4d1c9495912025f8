import shutil
import subprocess
from typing import Any

import pytest
from django.test import Client

from diemcau.accounts.scopes import scope_for
from diemcau.assessment.certificates import issuing as certificates
from diemcau.assessment.certificates import services as signing
from diemcau.assessment.links import token_for
from diemcau.assessment.models import Certificate
from diemcau.assessment.tests.helpers import passed_client, world
from diemcau.assessment.tests.test_completion import complete
from diemcau.errors import Invalid, NotFound

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(make_site: Any, make_user: Any, settings: Any, tmp_path: Any) -> dict[str, Any]:
    settings.DATA_DIR = tmp_path
    found = world(make_site)
    central = scope_for(make_user("central_organiser"))
    complete(found, "an", central)
    found["central"] = central
    return found


def test_code_verifies_offline_with_only_the_public_key_and_fails_on_any_change(
    w: dict[str, Any],
) -> None:
    cert = certificates.issue(w["an"], w["conference"].pk)
    pem = Client().get("/api/v1/assessment/public-key").json()["pem"]
    key = signing.load_public_key(pem)
    fields = signing.verify_code(cert.code, key)
    assert fields == signing.CodeFields(cert.pk, w["an"].code, w["conference"].pk, cert.issued_on)
    alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    for i, ch in enumerate(cert.code):
        if ch == "-":
            continue
        changed = cert.code[:i] + (alphabet[(alphabet.find(ch) + 1) % 32]) + cert.code[i + 1 :]
        assert signing.verify_code(changed, key) is None, (i, changed)


def test_certificate_needs_completion(w: dict[str, Any]) -> None:
    with pytest.raises(Invalid):
        certificates.issue(w["binh"], w["conference"].pk)


def test_public_page_valid_revoked_unknown_and_nothing_personal(w: dict[str, Any]) -> None:
    cert = certificates.issue(w["an"], w["conference"].pk)
    client = Client()
    page = client.get(f"/xac-minh/{cert.code}/").content.decode()
    assert "Nguyễn V. A." in page and w["conference"].name in page
    for secret in (
        "Nguyễn Văn An",
        w["an"].code,
        w["an"].site.code,
        w["an"].national_id_last4,
        w["an"].site.name,
    ):
        assert secret not in page
    certificates.revoke(w["central"], cert.pk, "Nhầm tên")
    assert "thu hồi" in client.get(f"/xac-minh/{cert.code}/").content.decode()
    assert client.get(f"/api/v1/assessment/verify/{cert.code}").json()["status"] == "revoked"
    forged = cert.code[:-1] + ("0" if cert.code[-1] != "0" else "1")
    assert client.get(f"/api/v1/assessment/verify/{forged}").json() == {"status": "unknown"}
    assert client.get("/xac-minh/").status_code == 200  # the public key page


def test_reissue_makes_a_new_valid_code(w: dict[str, Any]) -> None:
    old = certificates.issue(w["an"], w["conference"].pk)
    new = certificates.reissue(w["central"], old.pk)
    assert new.code != old.code
    assert certificates.verify(new.code)["status"] == "valid"
    assert certificates.verify(old.code)["status"] == "revoked"


def test_province_organiser_cannot_touch_another_province(
    w: dict[str, Any], make_user: Any
) -> None:
    cert = certificates.issue(w["an"], w["conference"].pk)
    hue = scope_for(make_user("province_organiser", "46"))
    with pytest.raises(NotFound):
        certificates.revoke(hue, cert.pk, "")


def test_delegate_downloads_a_pdf_with_the_name_in_vietnamese(
    w: dict[str, Any], tmp_path: Any
) -> None:
    client = passed_client(w["an"])
    url = f"/hoc-vien/{token_for(w['an'])}/{w['conference'].pk}/certificate.pdf"
    response = client.get(url)
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    path = tmp_path / "c.pdf"
    path.write_bytes(response.content)
    command = ["pdftotext", str(path), "-"]  # poppler-utils, as the delegates badge test
    text = subprocess.run(command, capture_output=True, text=True, check=True).stdout  # noqa: S603
    assert "Nguyễn Văn An" in text and "GIẤY CHỨNG NHẬN" in text
    assert client.get(url).content == response.content  # kept, not redrawn
    assert Certificate.objects.filter(delegate=w["an"]).count() == 1
    other = f"/hoc-vien/{token_for(w['binh'])}/{w['conference'].pk}/certificate.pdf"
    assert passed_client(w["binh"]).get(other).status_code == 404  # not completed


def test_site_pdf_and_province_batch(w: dict[str, Any], api_as: Any) -> None:
    complete(w, "binh", w["central"])
    hanoi = api_as("province_organiser", "01")
    conf_id = w["conference"].pk
    pdf = hanoi.get(f"/api/v1/assessment/conferences/{conf_id}/sites/HK-A/certificates.pdf")
    assert (
        pdf.status_code == 200
        and pdf.content.count(b"/Type /Page\n") + pdf.content.count(b"/Type /Page ") >= 1
    )
    assert (
        hanoi.get(
            f"/api/v1/assessment/conferences/{conf_id}/sites/HUE-A/certificates.pdf"
        ).status_code
        == 404
    )
    task = hanoi.post(
        "/api/v1/assessment/certificates/batch",
        {"conference": conf_id, "unit": "01"},
        content_type="application/json",
    ).json()
    result = hanoi.get(f"/api/v1/tasks/{task['task']}").json()
    assert result["status"] == "done", result
    assert (
        hanoi.post(
            "/api/v1/assessment/certificates/batch",
            {"conference": conf_id, "unit": "46"},
            content_type="application/json",
        ).status_code
        == 404
    )
    assert Certificate.objects.filter(revoked_at__isnull=True).count() == 2


def test_the_qr_code_on_the_certificate_opens_the_verification_page(
    w: dict[str, Any], tmp_path: Any
) -> None:
    pdftoppm, zbarimg = shutil.which("pdftoppm"), shutil.which("zbarimg")
    assert pdftoppm and zbarimg
    cert = certificates.issue(w["an"], w["conference"].pk)
    pdf = tmp_path / "c.pdf"
    pdf.write_bytes(certificates.pdf_of(cert))
    subprocess.run(  # noqa: S603 - fixed arguments, our own file
        [pdftoppm, "-r", "150", "-png", str(pdf), str(tmp_path / "p")], check=True
    )
    image = next(tmp_path.glob("p*.png"))
    scanned = subprocess.run(  # noqa: S603
        [zbarimg, "-q", "--raw", str(image)], capture_output=True, text=True, check=False
    ).stdout.strip()
    assert scanned == certificates.verify_url(cert.code)
    path = scanned.split("127.0.0.1:8000", 1)[1]
    assert "Nguyễn V. A." in Client().get(path).content.decode()

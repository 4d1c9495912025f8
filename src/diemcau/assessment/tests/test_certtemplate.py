"""The certificate template editor: fields checked, images checked, the PDF drawn from it."""

import io
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import translation
from PIL import Image

from diemcau.accounts.scopes import scope_for
from diemcau.assessment.certificates import services as certificates
from diemcau.assessment.certificates import template as certtemplate
from diemcau.assessment.conference_settings import settings_for
from diemcau.assessment.tests.helpers import world
from diemcau.assessment.tests.test_completion import complete
from diemcau.errors import Forbidden, Invalid

pytestmark = pytest.mark.django_db
BODY = (
    "Chứng nhận đồng chí\n{ho_ten}\n"
    "Đã hoàn thành xuất sắc chương trình bồi dưỡng\n{hoi_nghi}\nCấp {ngay}"
)


def _image(fmt: str, size: tuple[int, int] = (120, 120)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, fmt)
    return out.getvalue()


@pytest.fixture
def w(make_site: Any, make_user: Any, settings: Any, tmp_path: Any) -> dict[str, Any]:
    settings.DATA_DIR = tmp_path
    found = world(make_site)
    found["central"] = scope_for(make_user("central_organiser"))
    complete(found, "an", found["central"])
    return found


def _run(tool: str, *args: str) -> str:
    binary = shutil.which(tool)
    assert binary, f"{tool} (poppler-utils) is needed"
    done = subprocess.run(  # noqa: S603 - fixed arguments, our own file
        [binary, *args], check=True, capture_output=True, text=True
    )
    return done.stdout


def _text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "c.pdf"
    path.write_bytes(pdf)
    return _run("pdftotext", "-enc", "UTF-8", str(path), "-")


def _images(pdf: bytes, tmp_path: Path) -> set[str]:
    """The image objects embedded (not their uses on pages)."""
    path = tmp_path / "i.pdf"
    path.write_bytes(pdf)
    rows = _run("pdfimages", "-list", str(path)).splitlines()[2:]
    return {row.split()[10] for row in rows if row.strip()}


def test_unknown_fields_are_refused_in_vietnamese(w: dict[str, Any]) -> None:
    conf_id = w["conference"].pk
    with translation.override("vi"), pytest.raises(Invalid) as caught:
        certtemplate.update(
            w["central"], conf_id, {"certificate_body": "Ông {ho_ten} ở {que_quan}"}
        )
    assert "Trường không hợp lệ" in caught.value.message and "{que_quan}" in caught.value.message
    with translation.override("vi"), pytest.raises(Invalid) as unclosed:
        certtemplate.update(w["central"], conf_id, {"certificate_body": "Ông {ho_ten"})
    assert "ngoặc" in unclosed.value.message
    assert settings_for(conf_id).certificate_body != "Ông {ho_ten} ở {que_quan}"


def test_images_are_checked_by_their_bytes(w: dict[str, Any], tmp_path: Path) -> None:
    conf_id = w["conference"].pk
    for bad in (b"GIF89a....", _image("GIF"), b"\x89PNG\r\n\x1a\n" + b"0" * 50):
        with pytest.raises(Invalid):
            certtemplate.save_image(w["central"], conf_id, "emblem", bad)
    with pytest.raises(Invalid):
        certtemplate.save_image(w["central"], conf_id, "emblem", b"\x89PNG" + b"0" * (3 * 2**20))
    with pytest.raises(Invalid):
        certtemplate.save_image(w["central"], conf_id, "emblem", _image("PNG", (4100, 10)))
    with pytest.raises(Invalid):
        certtemplate.save_image(w["central"], conf_id, "signature", _image("PNG"))
    conf = certtemplate.save_image(w["central"], conf_id, "emblem", _image("PNG"))
    assert (tmp_path / "assessment" / "templates" / conf.certificate_emblem).exists()
    conf = certtemplate.save_image(w["central"], conf_id, "seal", _image("JPEG"))
    assert conf.certificate_seal.endswith(".jpg")


def test_the_certificate_pdf_follows_the_edited_template(w: dict[str, Any], tmp_path: Path) -> None:
    conf_id = w["conference"].pk
    cert = certificates.issue(w["an"], conf_id)
    before = certificates.pdf_of(cert)  # kept, with the default text
    assert "Chứng nhận Ông/Bà" in _text(before, tmp_path)
    assert _images(before, tmp_path) == set()
    certtemplate.update(
        w["central"],
        conf_id,
        {
            "certificate_title": "Giấy khen học viên",
            "certificate_body": BODY,
            "signer_name": "Trần Quốc Vượng",
            "signer_title": "Phó Trưởng Ban Thường trực",
        },
    )
    certtemplate.save_image(w["central"], conf_id, "emblem", _image("PNG"))
    certtemplate.save_image(w["central"], conf_id, "seal", _image("JPEG"))
    cert.refresh_from_db()
    after = certificates.pdf_of(cert)  # redrawn: the template changed
    text = _text(after, tmp_path)
    for expected in (
        "GIẤY KHEN HỌC VIÊN",
        "Chứng nhận đồng chí",
        "Nguyễn Văn An",
        "Đã hoàn thành xuất sắc chương trình bồi dưỡng",
        w["conference"].name,
        f"Cấp ngày {cert.issued_on.day:02d} tháng {cert.issued_on.month:02d}",
        "Trần Quốc Vượng",
        "PHÓ TRƯỞNG BAN THƯỜNG TRỰC",
    ):
        assert expected in text, expected
    assert "Chứng nhận Ông/Bà" not in text
    assert len(_images(after, tmp_path)) == 2  # the emblem and the seal
    # A site's PDF embeds each image once, however many pages use it.
    complete(w, "binh", w["central"])
    site_pdf, pages = certificates.site_pdf(w["central"], conf_id, "HK-A")
    assert pages == 2
    assert len(_images(site_pdf, tmp_path)) == 2


def test_only_central_organisers_edit_and_the_pages_work(
    w: dict[str, Any], make_user: Any, tmp_path: Path
) -> None:
    conf_id = w["conference"].pk
    hanoi = make_user("province_organiser", "01")
    with pytest.raises(Forbidden):
        certtemplate.update(scope_for(hanoi), conf_id, {"certificate_title": "Khác"})
    web = Client()
    web.force_login(hanoi)
    assert web.get(f"/assessment/{conf_id}/certificates/template/").status_code == 200
    assert (
        web.post(
            f"/assessment/{conf_id}/certificates/template/", {"certificate_title": "X"}
        ).status_code
        == 403
    )
    central = Client()
    central.force_login(make_user("central_organiser"))
    url = f"/assessment/{conf_id}/certificates/template/"
    refused = central.post(
        url, {"certificate_title": "Giấy chứng nhận", "certificate_body": "{ten}"}
    )
    assert refused.status_code == 422 and "Trường không hợp lệ" in refused.content.decode()
    saved = central.post(url, {"certificate_title": "Giấy chứng nhận", "certificate_body": BODY})
    assert saved.status_code == 302 and settings_for(conf_id).certificate_body == BODY
    upload = io.BytesIO(_image("PNG"))
    upload.name = "quoc-huy.png"
    central.post(f"{url}emblem/", {"file": upload})
    assert settings_for(conf_id).certificate_emblem
    preview = central.get(f"{url}preview.pdf")
    assert preview["Content-Type"] == "application/pdf"
    assert "Chứng nhận đồng chí" in _text(preview.content, tmp_path)
    assert len(_images(preview.content, tmp_path)) >= 1
    api = central.get(f"/api/v1/assessment/conferences/{conf_id}/certificate-template").json()
    assert (api["certificate_body"], api["emblem"], api["seal"]) == (BODY, True, False)


def test_template_api(w: dict[str, Any], make_user: Any) -> None:
    from diemcau.accounts.services import issue_token
    from diemcau.conftest import ApiClient

    conf_id = w["conference"].pk
    url = f"/api/v1/assessment/conferences/{conf_id}/certificate-template"
    api = ApiClient(issue_token(make_user("central_organiser").username))
    bad = api.patch(url, {"certificate_body": "{ho_ten} {tuoi}"}, content_type="application/json")
    assert bad.status_code == 422 and "{tuoi}" in bad.json()["detail"]
    gif = io.BytesIO(_image("GIF"))
    gif.name = "dau.png"  # a GIF renamed: refused by its bytes
    assert api.post(f"{url}/seal", {"file": gif}).status_code == 422
    png = io.BytesIO(_image("PNG"))
    png.name = "dau.png"
    assert api.post(f"{url}/seal", {"file": png}).json()["seal"] is True
    assert api.delete(f"{url}/seal").json()["seal"] is False
    hanoi = ApiClient(issue_token(make_user("province_organiser", "01").username))
    png.seek(0)
    assert hanoi.post(f"{url}/seal", {"file": png}).status_code == 403
    assert hanoi.get(url).status_code == 200

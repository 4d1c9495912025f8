"""Materials: upload checks, versions, downloads per site and the not-yet-downloaded list."""

import hashlib

import pytest

from diemcau.accounts.scopes import Scope
from diemcau.conftest import HANOI, HOAN_KIEM, HUE, first_commune
from diemcau.errors import Forbidden, Invalid
from diemcau.programme import materials
from diemcau.programme.models import Material, MaterialDownload, Topic
from diemcau.programme.tests.conftest import office_bytes, pdf_bytes, upload

pytestmark = pytest.mark.django_db
CENTRAL = Scope(user_id=0, everything=True)


def _topic(demo) -> Topic:
    return Topic.objects.get(session__day__conference=demo, number=2)


def test_upload_stores_checksum_and_new_version_on_reupload(demo, materials_dir):
    topic = _topic(demo)
    data = pdf_bytes("v1")
    material = materials.upload_material(CENTRAL, topic.pk, upload("Mặt trận.pdf", data))
    assert (material.kind, material.version, material.size) == ("pdf", 1, len(data))
    assert material.sha256 == hashlib.sha256(data).hexdigest()
    assert (materials_dir / material.path).read_bytes() == data

    docx = office_bytes()
    again = materials.upload_material(
        CENTRAL, topic.pk, upload("Mặt trận.docx", docx), material_pk=material.pk
    )
    assert again.pk == material.pk and again.version == 2 and again.kind == "docx"
    assert again.sha256 == hashlib.sha256(docx).hexdigest()
    assert (materials_dir / again.path).read_bytes() == docx
    pptx = materials.upload_material(
        CENTRAL, topic.pk, upload("slides.pptx", office_bytes("ppt/presentation.xml"))
    )
    assert pptx.kind == "pptx"


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("gia-mao.pdf", b"MZ\x90\x00 not a pdf"),
        ("gia-mao.docx", pdf_bytes()),
        ("ppt-la-word.pptx", office_bytes("word/document.xml")),
        ("zip-hong.docx", b"PK\x03\x04garbage"),
        ("chay.exe", b"MZ\x90\x00"),
        ("rong.pdf", b""),
    ],
)
def test_bad_upload_is_refused_in_vietnamese_and_nothing_is_stored(
    demo, materials_dir, web_as, name, data
):
    topic = _topic(demo)
    client = web_as("central_organiser")
    response = client.post(
        f"/programme/topics/{topic.pk}/materials/new/", {"file": upload(name, data)}
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert any(
        text in html
        for text in (
            "không phải là tệp",
            "Chỉ tải lên được tệp",
            "Tệp rỗng",
            "Tập tin được gửi là rỗng",
        )
    ), html[-3000:]
    assert not Material.objects.exists()
    assert not materials_dir.exists() or not any(materials_dir.rglob("*.*"))


def test_size_limit(demo, monkeypatch):
    monkeypatch.setattr(materials, "MAX_BYTES", 10)
    with pytest.raises(Invalid) as error:
        materials.upload_material(CENTRAL, _topic(demo).pk, upload("lon.pdf", pdf_bytes()))
    assert "lớn hơn" in error.value.message
    assert not Material.objects.exists()


def test_site_operator_downloads_and_the_missing_list_shrinks(demo, api_as, make_site):
    own = make_site(HOAN_KIEM, code="HK-1")
    other = make_site(HOAN_KIEM, code="HK-2")
    hue = make_site(HUE, code="HUE-1")
    material = materials.upload_material(CENTRAL, _topic(demo).pk, upload("a.pdf", pdf_bytes()))
    province = api_as("province_organiser", HANOI)
    url = f"/api/v1/programme/materials/{material.pk}"

    report = province.get(f"{url}/report").json()
    assert [s["code"] for s in report["missing"]] == ["HK-1", "HK-2"]  # Huế is not Hà Nội's
    assert report["missing_total"] == 2

    operator = api_as("site_operator", own.code)
    response = operator.get(f"{url}/download?site=HK-1")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == pdf_bytes()
    assert "attachment" in response["Content-Disposition"]
    # Consuming the stream closes the file (the test client's wrapper closes the response).
    assert b"".join(operator.get(f"{url}/download?site=HK-1").streaming_content)
    assert MaterialDownload.objects.filter(material=material, site=own).count() == 2

    report = province.get(f"{url}/report").json()
    assert [s["code"] for s in report["missing"]] == ["HK-2"]
    assert report["downloaded"] == [{"code": "HK-1", "name": own.name, "downloads": 2}]
    central = api_as("central_organiser").get(f"{url}/report").json()
    assert {s["code"] for s in central["missing"]} >= {"HK-2", "HUE-1"}

    # A site outside the operator's scope does not exist for them; nothing is counted.
    assert operator.get(f"{url}/download?site=HK-2").status_code == 404
    assert operator.get(f"{url}/download?site={hue.code}").status_code == 404
    assert operator.get(f"{url}/download").status_code == 422
    assert not MaterialDownload.objects.filter(site__in=[other, hue]).exists()
    # Operators do not read the organisers' report.
    assert operator.get(f"{url}/report").status_code == 403

    # A new version puts the site back on the list.
    materials.upload_material(
        CENTRAL, material.topic_id, upload("a.pdf", pdf_bytes("v2")), material_pk=material.pk
    )
    report = province.get(f"{url}/report").json()
    assert [s["code"] for s in report["missing"]] == ["HK-1", "HK-2"]


def test_download_in_the_ui_and_material_page(demo, web_as, make_site):
    site = make_site(first_commune(HANOI).code, code="XA-1")
    material = materials.upload_material(CENTRAL, _topic(demo).pk, upload("a.pdf", pdf_bytes()))
    operator = web_as("site_operator", site.code)
    topic_page = operator.get(f"/programme/topics/{material.topic_id}/").content.decode()
    assert "XA-1" in topic_page
    response = operator.get(f"/programme/materials/{material.pk}/download/?site=XA-1")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == pdf_bytes()
    assert MaterialDownload.objects.filter(site=site, version=1).count() == 1
    assert operator.get(f"/programme/materials/{material.pk}/").status_code == 403
    page = web_as("province_organiser", HANOI).get(f"/programme/materials/{material.pk}/")
    assert page.status_code == 200
    assert "XA-1" in page.content.decode()


def test_only_central_organisers_upload(demo):
    province = Scope(user_id=1, organiser_units=())
    with pytest.raises(Forbidden):
        materials.upload_material(province, _topic(demo).pk, upload("a.pdf", pdf_bytes()))

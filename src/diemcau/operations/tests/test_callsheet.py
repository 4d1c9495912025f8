"""Operations that act: whom to call (list, export), the map of provinces and a node's
breakdown, the dashboard's trouble rows, and the status heading in Vietnamese."""

import csv
import io
import re
import zipfile

import pytest
from python_calamine import CalamineWorkbook

from diemcau.conftest import HANOI, HOAN_KIEM, HUE, first_commune
from diemcau.operations import cartogram, health, services
from diemcau.units.services import provinces

pytestmark = pytest.mark.django_db

GOOD = {"session": "S1", "playing": True, "buffer": 8.0}
HOSTILE = '=HYPERLINK("http://x.example","bấm")'


@pytest.fixture
def network(store, clock, make_site, api_as):
    """Hà Nội: a silent site, one never connected, one online, one degraded; Huế: a silent one."""
    hn2 = first_commune(HANOI).code
    hue = first_commune(HUE).code
    make_site(
        hn2,
        code="HN-SILENT",
        name="Hội trường UBND xã Im Lặng",
        tech_name="Trần Thị Bình",
        tech_phone="0987 654 321",
        contact_name="Nguyễn Văn An",
        contact_phone="+84 912 345 678",
    )
    make_site(HOAN_KIEM, code="HN-NEVER", name="Nhà văn hoá Chưa Nối", tech_phone="0911000111")
    make_site(HOAN_KIEM, code="HN-ON", name="Điểm cầu Trực Tuyến")
    make_site(HOAN_KIEM, code="HN-DEG", name="Điểm cầu Chập Chờn")
    make_site(hue, code="HUE-SILENT", name="Điểm cầu Huế Im Lặng", tech_phone="0234000000")
    make_site(hue, code="HUE-HOSTILE", name=HOSTILE, tech_phone="=1+1")
    central = api_as("central_organiser")
    beats = [{"site": c, **GOOD} for c in ("HN-SILENT", "HUE-SILENT", "HUE-HOSTILE")]
    central.post("/api/v1/heartbeats", beats, content_type="application/json")
    services.flush()
    clock.advance(health.OFFLINE_AFTER_S + 600)  # ten minutes of silence
    fresh = [{"site": "HN-ON", **GOOD}, {"site": "HN-DEG", **GOOD, "buffer": 0.3}]
    central.post("/api/v1/heartbeats", fresh, content_type="application/json")
    services.flush()
    return central


def _rows(html):
    body = html.split('id="call-list"', 1)[1].split("</table>", 1)[0]
    return re.findall(r"<tr class=\"ops-(\w+)\">(.*?)</tr>", body, re.S)


def test_a_silent_site_is_listed_by_name_with_its_phone_to_dial(network, web_as):
    page = web_as("central_organiser").get("/operations/sites/")
    assert page.status_code == 200
    html = page.content.decode()
    rows = _rows(html)
    states = [state for state, _body in rows]
    assert states == ["offline", "offline", "offline", "degraded", "never"]  # trouble first
    silent = next(body for _s, body in rows if "HN-SILENT" in body)
    assert "Hội trường UBND xã Im Lặng" in silent
    assert 'href="/sites/HN-SILENT/"' in silent
    assert "Trần Thị Bình" in silent and 'href="tel:0987654321"' in silent
    assert "Nguyễn Văn An" in silent and 'href="tel:+84912345678"' in silent
    assert "<td>10 phút<br>" in silent  # silent for ten minutes, in Vietnamese
    assert "<td>mất tín hiệu</td>" in silent  # the cause
    assert "Điểm cầu Trực Tuyến" not in html  # online: nobody to call


def test_never_connected_sites_are_listed_by_name(network, web_as):
    html = web_as("central_organiser").get("/operations/sites/?state=never").content.decode()
    rows = _rows(html)
    assert [s for s, _b in rows] == ["never"]
    assert "Nhà văn hoá Chưa Nối" in rows[0][1]
    assert 'href="tel:0911000111"' in rows[0][1]
    assert "Chưa kết nối" in rows[0][1]
    assert 'data-state="never">Chưa kết nối <strong>1</strong>' in html


def test_search_sort_and_filters(network, web_as):
    central = web_as("central_organiser")
    html = central.get("/operations/sites/?q=im+lang").content.decode()  # without diacritics
    assert {b.split("/sites/")[1].split("/")[0] for _s, b in _rows(html)} == {
        "HN-SILENT",
        "HUE-SILENT",
    }
    html = central.get("/operations/sites/?q=im+lang&sort=name").content.decode()
    codes = [b.split("/sites/")[1].split("/")[0] for _s, b in _rows(html)]
    assert codes == ["HUE-SILENT", "HN-SILENT"]  # "Điểm…" before "Hội…": Đ reads as D
    html = central.get(f"/operations/sites/?province={HUE}").content.decode()
    codes = {b.split("/sites/")[1].split("/")[0] for _s, b in _rows(html)}
    assert codes == {"HUE-HOSTILE", "HUE-SILENT"}
    html = central.get(f"/operations/sites/?unit={HOAN_KIEM}&state=all").content.decode()
    assert len(_rows(html)) == 3
    html = central.get("/operations/sites/?state=degraded").content.decode()
    assert [s for s, _b in _rows(html)] == ["degraded"]
    html = central.get("/operations/sites/?sort=silent").content.decode()
    assert next(s for s, _b in _rows(html)) == "never"  # never heard: silent the longest


def test_a_province_organiser_sees_only_their_province(network, web_as):
    organiser = web_as("province_organiser", HANOI)
    html = organiser.get("/operations/sites/").content.decode()
    assert "HN-SILENT" in html and "HUE-SILENT" not in html
    assert "HUE-SILENT" not in organiser.get(f"/operations/sites/?province={HUE}").content.decode()
    export = organiser.get("/operations/sites/export.xlsx?state=all")
    names = [r[1] for r in _sheet(export.content)[1:]]
    assert "Hội trường UBND xã Im Lặng" in names
    assert not any("Huế" in n or n == HOSTILE for n in names)
    csv_text = organiser.get("/operations/sites/export.csv").content.decode("utf-8-sig")
    assert "HN-SILENT" in csv_text and "HUE-" not in csv_text
    assert organiser.get(f"/operations/map/{HUE}/").status_code == 404
    assert organiser.get(f"/operations/map/{first_commune(HUE).code}/").status_code == 404
    assert organiser.get(f"/operations/map/{HANOI}/").status_code == 200
    page = organiser.get("/operations/map/").content.decode()
    assert f'href="/operations/map/{HANOI}/"' in page
    assert f'href="/operations/map/{HUE}/"' not in page  # the tile is shown, not opened
    assert web_as("site_operator", "HN-SILENT").get("/operations/map/").status_code == 404


def _sheet(data):
    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    return book.get_sheet_by_index(0).to_python()


def test_xlsx_export_for_the_phone_bank(network, web_as):
    response = web_as("central_organiser").get("/operations/sites/export.xlsx")
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('.xlsx"')
    rows = _sheet(response.content)
    assert rows[0][:6] == [
        "Mã điểm cầu",
        "Tên điểm cầu",
        "Đơn vị",
        "Tỉnh/thành phố",
        "Trạng thái",
        "Nguyên nhân",
    ]
    assert "Cán bộ kỹ thuật" in rows[0] and "SĐT kỹ thuật" in rows[0]
    by_code = {r[0]: dict(zip(rows[0], r, strict=True)) for r in rows[1:]}
    assert set(by_code) == {"HN-SILENT", "HUE-SILENT", "HUE-HOSTILE", "HN-DEG", "HN-NEVER"}
    silent = by_code["HN-SILENT"]
    assert silent["SĐT kỹ thuật"] == "0987 654 321"  # text: the zero stays
    assert silent["Mất tín hiệu (phút)"] == 10
    assert silent["Trạng thái"] == "Mất kết nối"
    assert by_code["HN-NEVER"]["Trạng thái"] == "Chưa kết nối"
    # Formula text stays text: read back exactly as typed, and no formula in the sheet.
    assert by_code["HUE-HOSTILE"]["Tên điểm cầu"] == HOSTILE
    assert by_code["HUE-HOSTILE"]["SĐT kỹ thuật"] == "=1+1"
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet and "<f " not in sheet
    assert '<pane ySplit="1"' in sheet and "<autoFilter" in sheet and "<cols>" in sheet


def test_csv_export_has_a_bom_and_inert_cells(network, web_as):
    response = web_as("central_organiser").get("/operations/sites/export.csv?state=offline")
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][0] == "Mã điểm cầu"
    hostile = next(r for r in rows if r[0] == "HUE-HOSTILE")
    assert hostile[1] == "'" + HOSTILE and hostile[9] == "'=1+1"
    assert {r[0] for r in rows[1:]} == {"HN-SILENT", "HUE-SILENT", "HUE-HOSTILE"}


def test_map_has_34_tiles_named_from_the_units_table(network, web_as):
    html = web_as("central_organiser").get("/operations/map/").content.decode()
    codes = re.findall(r'class="ops-tile[^"]*"[^>]*data-code="(\d+)"', html)
    assert sorted(codes) == sorted(provinces().values_list("code", flat=True))
    assert len(codes) == 34
    assert len(set(cartogram.TILES.values())) == 34  # no two tiles on one square
    hue = re.search(rf'class="ops-tile (\w+)"[^>]*href="/operations/map/{HUE}/"', html)
    assert hue is not None and hue.group(1) == "b0"  # 0 of 2 online
    hanoi = re.search(rf'class="ops-tile (\w+)"[^>]*href="/operations/map/{HANOI}/"', html)
    assert hanoi is not None and hanoi.group(1) == "b0"  # 1 of 4 online
    assert ">Hà Nội<strong>25%</strong>" in re.sub(r"\s+", "", html).replace("HàNội", "Hà Nội")


def test_breakdown_searches_and_sorts_trouble_first(network, web_as):
    central = web_as("central_organiser")
    html = central.get(f"/operations/map/{HANOI}/").content.decode()
    codes = re.findall(r'<tr data-code="(\w+)">', html)
    assert codes == [first_commune(HANOI).code, HOAN_KIEM]  # the silent commune first
    html = central.get(f"/operations/map/{HANOI}/?q=hoan+kiem").content.decode()
    assert re.findall(r'<tr data-code="(\w+)">', html) == [HOAN_KIEM]
    html = central.get(f"/operations/map/{HANOI}/?sort=never").content.decode()
    assert re.findall(r'<tr data-code="(\w+)">', html) == [HOAN_KIEM, first_commune(HANOI).code]
    assert central.get("/operations/map/99999/").status_code == 404


def test_dashboard_trouble_rows_name_the_technician_and_link_the_site(network, web_as):
    data = network.get("/api/v1/operations/status").json()
    silent = next(w for w in data["worst"] if w["code"] == "HN-SILENT")
    assert silent["tech_name"] == "Trần Thị Bình" and silent["tech_phone"] == "0987 654 321"
    html = web_as("central_organiser").get("/operations/").content.decode()
    assert '"site": "/sites/__code__/"' in html
    assert 'href="/operations/sites/?unit=' in html
    assert 'id="ops-breakdown" href="/operations/map/' in html  # the units table, to search
    # "418 Chưa kết nối" is no longer only a number: it opens the list of those sites by name.
    assert 'href="/operations/sites/?state=never&amp;unit=' in html


def _thead_of(html, table_id):
    """The header row of the table whose body or table carries `table_id`."""
    before, after = html.split(f'id="{table_id}"', 1)
    inside = re.findall(r"<thead>.*?</thead>", after.split("</table>", 1)[0], re.S)
    return inside[0] if inside else re.findall(r"<thead>.*?</thead>", before, re.S)[-1]


def test_status_heading_is_trang_thai_not_government(network, web_as):
    """ "State" is also a site kind ("Chính quyền", in the sites catalogue, which wins): the
    operations headings ask for the live-state sense by context."""
    central = web_as("central_organiser")
    for url, table in (("/operations/", "ops-worst"), ("/operations/sites/", "call-list")):
        head = _thead_of(central.get(url).content.decode(), table)
        assert "<th>Trạng thái</th>" in head, url
        assert "Chính quyền" not in head, url


def test_the_api_lists_the_sites_to_call_in_scope(network, api_as):
    data = network.get("/api/v1/operations/sites?state=offline&q=im+lang&sort=name").json()
    assert data["total"] == 2 and data["counts"]["never"] == 0
    assert [i["code"] for i in data["items"]] == ["HUE-SILENT", "HN-SILENT"]
    silent = data["items"][1]
    assert silent["tech_tel"] == "tel:0987654321" and silent["silent_s"] == pytest.approx(600, 1)
    mine = api_as("province_organiser", HANOI).get("/api/v1/operations/sites?state=all").json()
    assert {i["code"] for i in mine["items"]} == {"HN-SILENT", "HN-NEVER", "HN-ON", "HN-DEG"}
    paged = network.get("/api/v1/operations/sites?limit=2&offset=2").json()
    assert paged["total"] == 5 and len(paged["items"]) == 2
    wrong = network.get("/api/v1/operations/sites?state=gone")
    assert wrong.status_code == 422 and "state" in wrong.json()["fields"]

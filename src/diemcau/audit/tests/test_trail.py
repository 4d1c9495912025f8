"""The audit trail as organisers rely on it: who changed what, when, from where, before and
after; operations as one entry with counts; scoped like the rest; never edited or removed."""

import datetime as dt
import io
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.utils import timezone
from python_calamine import CalamineWorkbook

from diemcau.accounts.models import Grant
from diemcau.audit import services
from diemcau.audit.models import Action, AppendOnlyError, Entry
from diemcau.conftest import HANOI, HOAN_KIEM, HUE, ApiClient, first_commune
from diemcau.delegates.models import Delegate
from diemcau.delegates.tests.helpers import csv_file
from diemcau.sites.models import Site
from diemcau.units.models import Unit

pytestmark = pytest.mark.django_db


def site_form(site: Site, **changes: str) -> dict[str, str]:
    data = {
        "name": site.name,
        "unit": site.unit.code,
        "kind": site.kind,
        "status": site.status,
        "connection": site.connection,
        "contact_phone": "0912 345 678",
    }
    data.update(changes)
    return data


def entries_for(obj: Any) -> list[Entry]:
    return list(
        Entry.objects.filter(subject=obj._meta.label_lower, object_pk=str(obj.pk)).order_by("pk")
    )


@pytest.fixture
def hanoi_site(make_site: Any) -> Site:
    return make_site(HOAN_KIEM, code="HN-01", name="Hội trường Hoàn Kiếm")


@pytest.fixture
def hue_site(make_site: Any) -> Site:
    return make_site(first_commune(HUE).code, code="HUE-01", name="Hội trường Huế")


def organiser_client(make_user: Any, province: str | None = None) -> tuple[Client, User]:
    role = "province_organiser" if province else "central_organiser"
    user = make_user(role, province)
    client = Client(REMOTE_ADDR="203.0.113.7")
    client.force_login(user)
    return client, user


# -- what is recorded ------------------------------------------------------------------------
def test_site_edit_in_the_ui_records_who_when_where_before_and_after(
    make_user: Any, hanoi_site: Site
) -> None:
    client, user = organiser_client(make_user, HANOI)
    before = timezone.now()
    response = client.post(f"/sites/{hanoi_site.code}/edit/", site_form(hanoi_site, name="Mới"))
    assert response.status_code == 302
    [entry] = [e for e in entries_for(hanoi_site) if e.action == Action.UPDATE]
    assert entry.actor_id == user.pk and entry.actor_label == user.username
    assert entry.remote_addr == "203.0.113.7"
    assert before <= entry.timestamp <= timezone.now()
    changed = {c.field: (c.before, c.after) for c in services.changes(entry)}
    assert changed["tên điểm cầu"] == ("Hội trường Hoàn Kiếm", "Mới")
    assert entry.unit_id == hanoi_site.unit_id and entry.province.code == HANOI

    # The page shows it, newest first, with who, where and the values.
    page = client.get("/audit/").content.decode()
    assert user.username in page and "203.0.113.7" in page
    assert "Hội trường Hoàn Kiếm" in page and "Mới" in page


def test_site_edit_through_the_api_records_the_token_holder(
    make_user: Any, hanoi_site: Site
) -> None:
    from diemcau.accounts.services import issue_token

    user = make_user("province_organiser", HANOI)
    api = ApiClient(issue_token(user.username))
    response = api.patch(
        f"/api/v1/sites/{hanoi_site.code}",
        {"seats": 250},
        content_type="application/json",
        REMOTE_ADDR="198.51.100.4",
    )
    assert response.status_code == 200, response.content
    [entry] = [e for e in entries_for(hanoi_site) if e.action == Action.UPDATE]
    # The token's person, though django-ninja set request.user after every middleware ran.
    assert (entry.actor_id, entry.remote_addr) == (user.pk, "198.51.100.4")
    assert entry.changes["seats"] == ["None", "250"]

    listed = api.get("/api/v1/audit", {"type": "sites.site", "action": "update"}).json()
    assert listed["total"] == 1
    item = listed["items"][0]
    assert (item["actor"], item["remote_addr"], item["unit"]) == (
        user.username,
        "198.51.100.4",
        HOAN_KIEM,
    )
    assert {"field": "số chỗ ngồi", "before": "", "after": "250"} in item["changes"]


def test_a_grant_removal_is_recorded_with_what_it_granted(make_user: Any) -> None:
    person = make_user("province_organiser", HUE)
    grant = Grant.objects.get(user=person)
    grant_pk = grant.pk
    grant.delete()
    [entry] = Entry.objects.filter(
        subject="accounts.grant", object_pk=str(grant_pk), action=Action.DELETE
    )
    assert entry.changes["role"] == ["province_organiser", "None"]
    # People read names, not ids: the unit by its name, the role by its label.
    shown = {c.field: c.before for c in services.changes(entry)}
    hue = Unit.objects.get(code=HUE)
    assert shown["đơn vị"] == f"{hue.name} (#{hue.pk})"
    assert shown["vai trò"] == "Ban tổ chức cấp tỉnh"
    assert entry.actor is None and services.actor_label(entry) == "hệ thống/CLI"
    # Hue's organisers may read it: it is about their province.
    assert entry.province.code == HUE


def test_secrets_never_reach_an_entry(make_user: Any) -> None:
    from diemcau.accounts.models import ApiToken
    from diemcau.accounts.services import issue_token

    user = make_user("central_organiser")
    issue_token(user.username)
    token = ApiToken.objects.get(user=user)
    [created] = entries_for(token)
    assert created.changes["digest"] == ["", "••••••"]
    user.set_password("mot-mat-khau-moi-456")
    user.save()
    changed = entries_for(user)[-1]
    assert changed.changes["password"] == ["••••••", "••••••"]  # it changed; to what is hidden
    assert not any(user.password in str(e.changes) for e in entries_for(user))


def test_an_import_is_one_entry_with_its_counts(make_user: Any, hanoi_site: Site) -> None:
    client, user = organiser_client(make_user, HANOI)
    rows = [
        [hanoi_site.code, "Nguyễn Văn An", "001085000001"],
        [hanoi_site.code, "Trần Thị Bình", "001085000002"],
        [hanoi_site.code, "Sai Số", "123"],
    ]
    upload = SimpleUploadedFile("dai-bieu.csv", csv_file(rows).getvalue(), "text/csv")
    response = client.post("/delegates/import/", {"file": upload, "skip_bad": "on"}, follow=True)
    assert response.status_code == 200
    assert Delegate.objects.filter(site=hanoi_site).count() == 2
    [entry] = Entry.objects.filter(action=Action.EVENT, event="import")
    assert (entry.subject, entry.detail, entry.actor_id) == ("delegates", "dai-bieu.csv", user.pk)
    assert entry.counts is not None
    assert (entry.counts["created"], entry.counts["bad_rows"], entry.counts["total_rows"]) == (
        2,
        1,
        3,
    )
    assert entry.province.code == HANOI
    # One entry, not one per delegate: the rows were written in bulk.
    assert not Entry.objects.filter(subject="delegates.delegate").exists()


def test_a_dry_run_changes_nothing_and_is_not_recorded(make_user: Any, hanoi_site: Site) -> None:
    client, _ = organiser_client(make_user, HANOI)
    data = csv_file([[hanoi_site.code, "Nguyễn Văn An", "001085000001"]]).getvalue()
    upload = SimpleUploadedFile("dai-bieu.csv", data, "text/csv")
    client.post("/delegates/import/", {"file": upload, "dry_run": "on"}, follow=True)
    assert not Entry.objects.filter(event="import").exists()


# -- who reads -------------------------------------------------------------------------------
def test_a_province_organiser_reads_their_province_only(
    make_user: Any, api_as: Any, hanoi_site: Site, hue_site: Site
) -> None:
    for site in (hanoi_site, hue_site):
        site.seats = 10
        site.save()
    services.record_event("import", "delegates", unit=Unit.objects.get(code=HUE))
    hue_entry = entries_for(hue_site)[-1]
    hanoi_entry = entries_for(hanoi_site)[-1]

    client, _ = organiser_client(make_user, HANOI)
    page = client.get("/audit/")
    assert {r["entry"].pk for r in page.context["rows"]} == {
        e.pk for e in Entry.objects.filter(province__code=HANOI)
    }
    assert hanoi_entry.pk in {r["entry"].pk for r in page.context["rows"]}
    assert client.get(f"/audit/{hanoi_entry.pk}/").status_code == 200
    assert client.get(f"/audit/{hue_entry.pk}/").status_code == 404
    # Asking for Huế by name does not widen the scope.
    assert client.get("/audit/", {"unit": HUE}).context["page"].paginator.count == 0

    api = api_as("province_organiser", HANOI)
    ids = {i["id"] for i in api.get("/api/v1/audit", {"limit": 500}).json()["items"]}
    assert hanoi_entry.pk in ids and hue_entry.pk not in ids
    assert api.get(f"/api/v1/audit/{hue_entry.pk}").status_code == 404

    central, _ = organiser_client(make_user)
    seen = {r["entry"].pk for r in central.get("/audit/", {"type": "sites.site"}).context["rows"]}
    assert {hanoi_entry.pk, hue_entry.pk} <= seen


@pytest.mark.parametrize(
    ("role", "scope"), [("site_operator", "HN-01"), ("viewer", HANOI), ("sector_answerer", "x")]
)
def test_others_read_nothing(
    web_as: Any, api_as: Any, hanoi_site: Site, role: str, scope: str
) -> None:
    hanoi_site.seats = 5
    hanoi_site.save()
    entry = entries_for(hanoi_site)[-1]
    client = web_as(role, scope)
    assert client.get("/audit/").status_code == 403
    assert client.get(f"/audit/{entry.pk}/").status_code == 403
    assert client.get("/audit/export.xlsx").status_code == 403
    api = api_as(role, scope)
    assert api.get("/api/v1/audit").status_code == 403
    assert api.get(f"/api/v1/audit/{entry.pk}").status_code == 403
    assert "Audit trail" not in client.get("/").content.decode()
    assert "Nhật ký thay đổi" not in client.get("/").content.decode()


# -- append-only -----------------------------------------------------------------------------
def test_nothing_changes_or_removes_an_entry(
    make_user: Any, admin_client: Client, hanoi_site: Site
) -> None:
    hanoi_site.seats = 7
    hanoi_site.save()
    entry = entries_for(hanoi_site)[-1]
    client, user = organiser_client(make_user)
    api = ApiClient(None)
    api.force_login(user)

    # No page or operation writes: the entry's URLs take GET only.
    assert client.post(f"/audit/{entry.pk}/", {"object_repr": "x"}).status_code == 405
    assert client.delete(f"/audit/{entry.pk}/").status_code == 405
    for method in ("put", "patch", "delete", "post"):
        assert getattr(api, method)(f"/api/v1/audit/{entry.pk}").status_code == 405
    # The admin shows entries and changes none.
    listing = admin_client.get("/admin/audit/entry/")
    assert listing.status_code == 200 and str(hanoi_site) in listing.content.decode()
    assert admin_client.get(f"/admin/audit/entry/{entry.pk}/change/").status_code == 200
    assert (
        admin_client.post(
            f"/admin/audit/entry/{entry.pk}/change/", {"object_repr": "x"}
        ).status_code
        == 403
    )
    assert admin_client.post(f"/admin/audit/entry/{entry.pk}/delete/").status_code == 403
    # The ORM refuses…
    with pytest.raises(AppendOnlyError):
        Entry.objects.filter(pk=entry.pk).update(object_repr="x")
    with pytest.raises(AppendOnlyError):
        Entry.objects.filter(pk=entry.pk).delete()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    entry.object_repr = "x"
    with pytest.raises(AppendOnlyError):
        entry.save()
    # …and so does the database, to anyone who goes round it.
    table = Entry._meta.db_table
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET object_repr = 'x' WHERE id = %s", [entry.pk])  # noqa: S608
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {table} WHERE id = %s", [entry.pk])  # noqa: S608
    assert Entry.objects.get(pk=entry.pk).object_repr == str(hanoi_site)


def test_redaction_erases_a_delegates_values_and_keeps_the_entry(hanoi_site: Site) -> None:
    delegate = Delegate.objects.create(
        code="D1",
        site=hanoi_site,
        province_id=hanoi_site.province_id,
        full_name="Nguyễn Văn An",
        phone="0912000111",
        national_id_hash="h" * 32,
        national_id_last4="0001",
        secret="s" * 32,
    )
    delegate.phone = "0988000222"
    delegate.save()
    assert len(entries_for(delegate)) == 2
    assert services.redact_personal([delegate.pk]) == 2
    for entry in entries_for(delegate):
        assert "Nguyễn Văn An" not in str(entry.changes) + entry.object_repr
        assert "0912000111" not in str(entry.changes)
    assert entries_for(delegate)[1].changes["phone"] == ["[đã xoá]", "[đã xoá]"]
    # The permit is gone with the function: the next UPDATE is refused again.
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {Entry._meta.db_table} SET detail = 'x'")  # noqa: S608


# -- search and export -----------------------------------------------------------------------
def test_search_and_its_xlsx_hold_the_same_rows(make_user: Any, hanoi_site: Site) -> None:
    client, user = organiser_client(make_user)
    for seats in (10, 20, 30):
        client.post(f"/sites/{hanoi_site.code}/edit/", site_form(hanoi_site, seats=str(seats)))
    services.record_event("import", "sites", counts={"created": 3})
    query = {"type": "sites.site", "action": "update", "actor": user.username}
    page = client.get("/audit/", query)
    rows = page.context["rows"]
    assert len(rows) == 3
    assert [r["entry"].pk for r in rows] == sorted((r["entry"].pk for r in rows), reverse=True)

    response = client.get("/audit/export.xlsx", query)
    assert response.status_code == 200
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(response.content)).get_sheet_by_index(0)
    table = sheet.to_python()
    assert table[0][:3] == ["Thời gian", "Người thực hiện", "Địa chỉ IP"]
    assert len(table) == 1 + 3
    assert isinstance(table[1][0], dt.datetime)  # a real date cell, shown d/m/yyyy hh:mm
    assert [row[1] for row in table[1:]] == [user.username] * 3
    assert "30" in table[1][7] and "20" in table[1][7]  # newest first: 20 → 30
    # The export itself is an operation on record.
    assert Entry.objects.filter(event="export", subject="audit", actor=user).count() == 1

    # Free text, dates and a unit narrow it; a day with nothing finds nothing.
    today = timezone.localdate()
    assert client.get("/audit/", {"q": "HN-01"}).context["page"].paginator.count >= 3
    assert (
        client.get("/audit/", {**query, "from": today.isoformat(), "to": today.isoformat()})
        .context["page"]
        .paginator.count
        == 3
    )
    yesterday = (today - dt.timedelta(days=1)).strftime("%d/%m/%Y")
    assert client.get("/audit/", {**query, "to": yesterday}).context["page"].paginator.count == 0
    assert client.get("/audit/", {**query, "unit": HUE}).context["page"].paginator.count == 0


def test_a_command_line_import_names_the_as_user_person_or_the_system(
    tmp_path: Any, make_user: Any, hanoi_site: Site
) -> None:
    import click
    from click.testing import CliRunner

    from diemcau.delegates.cli import register

    @click.group()
    def import_group() -> None:
        """Stands in for diemcau.cli's `import` group."""

    register(import_group)
    path = tmp_path / "dai-bieu.csv"
    path.write_bytes(csv_file([[hanoi_site.code, "Nguyễn Văn An", "001085000001"]]).getvalue())
    organiser = make_user("province_organiser", HANOI, username="hanoi")
    result = CliRunner().invoke(import_group, ["delegates", str(path), "--as-user", "hanoi"])
    assert result.exit_code == 0, result.output
    path.write_bytes(csv_file([[hanoi_site.code, "Trần Thị Bình", "001085000002"]]).getvalue())
    result = CliRunner().invoke(import_group, ["delegates", str(path)])
    assert result.exit_code == 0, result.output
    first, second = Entry.objects.filter(event="import").order_by("pk")
    assert (first.actor_id, first.counts["created"], first.province.code) == (
        organiser.pk,
        1,
        HANOI,
    )
    assert second.actor is None and services.actor_label(second) == "hệ thống/CLI"
    assert second.unit is None  # the server's operator acts for the whole country


def test_odd_searches_answer_cleanly(api_as: Any, web_as: Any) -> None:
    api = api_as("central_organiser")
    odd = {"q": "a\x00b", "unit": "\x00", "actor": "x\x00", "type": "\x00", "action": "\x00"}
    assert api.get("/api/v1/audit", odd).status_code == 200
    assert api.get("/api/v1/audit/99999999999999999999999").status_code in (404, 422)
    assert api.get("/api/v1/audit", {"offset": -1}).status_code == 422
    assert api.get("/api/v1/audit", {"limit": 10**6}).status_code == 422
    assert api.get("/api/v1/audit", {"date_from": "14/6/2025"}).status_code == 422
    page = web_as("central_organiser").get("/audit/", {**odd, "from": "hôm qua", "page": "x"})
    assert page.status_code == 200


def test_a_certificate_batch_is_one_entry_with_its_counts(make_user: Any, monkeypatch: Any) -> None:
    from diemcau.assessment.certificates import batch, tasks
    from diemcau.tasks.models import Task

    organiser = make_user("province_organiser", HANOI)
    made = {"unit": HANOI, "sites": 3, "certificates": 250, "files": 3}
    monkeypatch.setattr(batch, "issue_for_unit", lambda *a: made)
    task = Task(owner=organiser, params={"conference": 1, "unit": HANOI})
    assert tasks.issue_certificates_job(task, lambda *a: None) == made
    [entry] = Entry.objects.filter(event="issue", subject="certificates")
    assert entry.counts == {"sites": 3, "certificates": 250, "files": 3}
    assert (entry.actor_id, entry.province.code) == (organiser.pk, HANOI)


def test_a_quiz_bank_import_and_a_site_link_export_are_on_record(
    make_user: Any, hanoi_site: Site
) -> None:
    from diemcau.assessment.quiz import services as bank
    from diemcau.programme.models import Conference

    conference = Conference.objects.create(
        slug="c", name="Hội nghị", host="BTC", starts_on=dt.date(2025, 6, 14),
        ends_on=dt.date(2025, 6, 15),
    )  # fmt: skip
    client, user = organiser_client(make_user)
    out = io.BytesIO()
    bank.write_template(out)
    upload = SimpleUploadedFile("ngan-hang.xlsx", out.getvalue())
    assert client.post(f"/assessment/{conference.pk}/import/", {"file": upload}).status_code == 200
    [entry] = Entry.objects.filter(event="import", subject="quiz_bank")
    assert entry.actor == user and entry.detail == "ngan-hang.xlsx" and "total" in entry.counts

    assert client.get("/console/links/export/").status_code == 200
    [export] = Entry.objects.filter(event="export", subject="site_link")
    assert export.counts == {"rows": Site.objects.count()} and export.actor == user

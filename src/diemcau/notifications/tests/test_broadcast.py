"""Messages to an audience: scope, audiences, preview with real values, SMS rules, opt-out."""

import datetime as dt
import time

import pytest
from django.utils import timezone

from diemcau import vnformat
from diemcau.accounts.scopes import scope_for
from diemcau.conftest import HANOI, HOAN_KIEM, HUE, first_commune
from diemcau.errors import Forbidden, Invalid
from diemcau.notifications import broadcast
from diemcau.notifications.audiences import Audience
from diemcau.notifications.channels import smstext
from diemcau.notifications.models import Delivery, DeliveryStatus, Message, OptOut
from diemcau.operations import liveness
from diemcau.operations.livestate import Beat, MemoryStore
from diemcau.operations.models import LiveState, Rehearsal, RehearsalSiteState, SiteLive
from diemcau.units.models import Unit


def _draft(kind="all", channel="email", body="Kính gửi {nguoi_nhan} – {diem_cau}", **kw):
    codes = kw.pop("codes", ())
    return broadcast.Draft.clean(
        channel=channel, role=kw.pop("role", "contact"), subject=kw.pop("subject", "Thông báo"),
        body=body, audience=Audience.clean(kind, codes=codes, **kw),
    )  # fmt: skip


@pytest.fixture
def sites(make_site):
    hn = [
        make_site(HOAN_KIEM, code=f"HN{i}", contact_name=f"Anh {i}",
                  contact_email=f"hn{i}@example.vn", contact_phone=f"09123456{i:02d}")
        for i in range(3)
    ]  # fmt: skip
    hue = make_site(first_commune(HUE).code, code="HUE1", contact_email="hue@example.vn")
    return hn, hue


def test_a_province_organiser_reaches_only_their_own_sites(sites, make_user, smtp):
    organiser = make_user("province_organiser", HANOI)
    scope = scope_for(organiser)
    # Another province's site, by code: refused, naming it; nothing recorded or sent.
    with pytest.raises(Invalid, match="HUE1"):
        broadcast.send(scope, organiser, _draft("list", codes=["HN0", "HUE1"]))
    with pytest.raises(Invalid):
        broadcast.send(scope, organiser, _draft("all", province=HUE))
    assert not Message.objects.exists()
    # "All my sites" is their province's.
    message, task = broadcast.send(scope, organiser, _draft("all"))
    assert task.status == "done", task.error
    assert set(message.deliveries.values_list("site__code", flat=True)) == {"HN0", "HN1", "HN2"}
    assert sorted(smtp.by_recipient()) == ["hn0@example.vn", "hn1@example.vn", "hn2@example.vn"]
    # A viewer or a site operator sends nothing.
    with pytest.raises(Forbidden):
        broadcast.send(scope_for(make_user("viewer", HANOI)), None, _draft("all"))
    # Nor does anyone see another organiser's message.
    other = make_user("province_organiser", HUE)
    assert not broadcast.visible_messages(scope_for(other)).exists()


def test_audiences_not_ready_silent_and_never_connected(sites, make_user, monkeypatch):
    hn, _hue = sites
    central = scope_for(make_user("central_organiser"))
    now = timezone.now()
    rehearsal = Rehearsal.objects.create(
        title="Kiểm tra", unit=Unit.objects.get(code=HANOI), starts_at=now, ends_at=now
    )
    RehearsalSiteState.objects.create(
        rehearsal=rehearsal, site=hn[0], ready=True, at=now, stream_ok=True, sound_ok=True
    )
    RehearsalSiteState.objects.create(
        rehearsal=rehearsal, site=hn[1], ready=False, at=now, stream_ok=False, sound_ok=True
    )
    SiteLive.objects.create(site=hn[0], state=LiveState.ONLINE, since=now, last_seen=now)
    old = now - dt.timedelta(minutes=10)
    SiteLive.objects.create(site=hn[1], state=LiveState.ONLINE, since=old, last_seen=old)

    def codes(kind):
        draft = _draft(kind, province=HANOI)
        return broadcast.preview(central, draft)["recipients"], kind

    assert codes("not_ready") == (2, "not_ready")  # HN1 failed, HN2 never checked
    assert codes("silent") == (1, "silent")  # HN1 silent for 10 minutes
    assert codes("never") == (1, "never")  # HN2

    # The flusher lags: HN1 and HN2 beat a moment ago, the beats still wait in the live store.
    # They are not silent (the dashboard says the same), so they are not messaged as such.
    store = MemoryStore()
    store.record([Beat(site.pk, time.time(), playing=True, buffer_s=8.0) for site in hn[1:]])
    monkeypatch.setattr(liveness, "get_store", lambda: store)
    for kind in ("silent", "never"):
        with pytest.raises(Invalid, match="Không có điểm cầu nào"):
            codes(kind)


def test_the_preview_shows_a_real_recipients_values(sites, make_user):
    from diemcau.programme.models import Conference, Day, Session

    conference = Conference.objects.create(
        slug="hn", name="Hội nghị", host="BTC", starts_on=dt.date(2025, 6, 14),
        ends_on=dt.date(2025, 6, 15),
    )  # fmt: skip
    day = Day.objects.create(conference=conference, date=dt.date(2025, 6, 14))
    session = Session.objects.create(
        day=day, title="Phiên khai mạc", starts_at=dt.time(7, 30), ends_at=dt.time(9)
    )
    organiser = make_user("province_organiser", HANOI)
    draft = broadcast.Draft.clean(
        channel="sms", role="contact", subject="",
        body="{nguoi_nhan}: {diem_cau} ({ma_diem_cau}, {don_vi}) – {phien} lúc {thoi_gian}.",
        audience=Audience.clean("all"), session_id=session.pk,
    )  # fmt: skip
    shown = broadcast.preview(scope_for(organiser), draft, "HN1")
    assert shown["recipients"] == 3 and shown["address"] == "0912345601"
    # Diacritics and typographic dashes stripped for SMS by default: GSM-7, 160 a part.
    assert shown["text"] == (
        "Anh 1: Diem cau Phuong Hoan Kiem (HN1, Phuong Hoan Kiem) - Phien khai mac luc "
        f"{vnformat.datetime(session.bounds()[0])}."
    )
    assert shown["sms"] == {"encoding": "GSM-7", "units": len(shown["text"]), "parts": 1}


def test_an_unknown_field_is_refused_when_written():
    with pytest.raises(Invalid, match=r"\{ho_tne\}"):
        _draft(body="Kính gửi {ho_tne}")
    with pytest.raises(Invalid):
        _draft(body="Mở ngoặc { chưa đóng")
    with pytest.raises(Invalid, match="Zalo"):  # a place for it, not implemented
        _draft(channel="zalo")


def test_sms_parts_gsm7_and_ucs2():
    assert smstext.size("a" * 160) == smstext.SmsSize("GSM-7", 160, 1)
    assert smstext.size("a" * 161).parts == 2
    assert smstext.size("€" * 80) == smstext.SmsSize("GSM-7", 160, 1)  # two septets each
    assert smstext.size("Điểm cầu" * 9).encoding == "UCS-2"  # 72 characters: two parts
    assert smstext.size("Điểm cầu" * 9).parts == 2
    assert smstext.strip_diacritics("Điểm cầu Hoàn Kiếm") == "Diem cau Hoan Kiem"
    parts = smstext.split("x" * 300 + "€")
    assert [len(p) for p in parts] == [153, 148]


def test_an_sms_broadcast_keeps_diacritics_by_setting_and_honours_opt_out(
    sites, make_user, gateway, settings
):
    settings.DIEMCAU_SMS_DIACRITICS = "keep"
    OptOut.objects.create(channel="sms", address="0912345602")
    organiser = make_user("province_organiser", HANOI)
    message, _task = broadcast.send(
        scope_for(organiser), organiser, _draft("all", channel="sms", body="Chào {nguoi_nhan}")
    )
    assert [r.fields["text"] for r in gateway.requests] == ["Chào Anh 0", "Chào Anh 1"]
    skipped = Delivery.objects.get(message=message, status=DeliveryStatus.SKIPPED)
    assert skipped.address == "0912345602" and "không nhận" in skipped.answer


def test_the_sms_rate_limit_spreads_the_sends(make_site, make_user, gateway, settings):
    settings.DIEMCAU_NOTIFY_RATES = {"sms": 4, "email": 0, "zalo": 0}
    for i in range(10):
        make_site(HOAN_KIEM, code=f"R{i}", tech_phone=f"09876543{i:02d}")
    central = make_user("central_organiser")
    started = time.time()
    broadcast.send(
        scope_for(central), central,
        _draft("list", channel="sms", role="technician", body="x",
               codes=[f"R{i}" for i in range(10)]),
    )  # fmt: skip
    per_second: dict[int, int] = {}
    for request in gateway.requests:
        per_second[int(request.at)] = per_second.get(int(request.at), 0) + 1
    assert len(gateway.requests) == 10 and max(per_second.values()) <= 4
    assert time.time() - started >= 1.0  # ten at four a second cannot go in one second

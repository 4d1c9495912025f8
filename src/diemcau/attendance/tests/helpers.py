"""A small attendance world: sites in Hà Nội and Huế, delegates with badges, one session."""

import datetime as dt
import itertools
import os
import uuid
from typing import Any

from diemcau.conftest import HOAN_KIEM, HUE, first_commune, unit
from diemcau.delegates.badge_token import payload_for
from diemcau.delegates.codes import code_for
from diemcau.delegates.models import Delegate
from diemcau.programme.models import Conference, Day, Session
from diemcau.sites.models import Site

_ids = itertools.count(900_001)
DAY = dt.date(2025, 6, 14)
IN_WINDOW = "2025-06-14T08:05:00+07:00"


def make_session(starts: str = "08:00", ends: str = "11:30", day: dt.date = DAY) -> Session:
    conference, _ = Conference.objects.get_or_create(
        slug="tap-huan",
        defaults={"name": "Hội nghị tập huấn", "host": "BTC", "starts_on": DAY, "ends_on": DAY},
    )
    d, _ = Day.objects.get_or_create(conference=conference, date=day)
    return Session.objects.create(
        day=d,
        title="Phiên sáng",
        starts_at=dt.time.fromisoformat(starts),
        ends_at=dt.time.fromisoformat(ends),
    )


def make_delegate(site: Site, name: str = "Nguyễn Văn An") -> Delegate:
    n = next(_ids)
    return Delegate.objects.create(
        code=code_for(n),
        site=site,
        province_id=site.province_id,
        full_name=name,
        national_id_hash=f"{n:032x}",
        national_id_last4=f"{n % 10000:04d}",
        secret=os.urandom(16).hex(),
    )


def badge(d: Delegate) -> str:
    return payload_for(d.code, d.secret)


def scan(
    d: Delegate | str,
    site: Site | str,
    session: Session | int,
    *,
    scanned_at: str = IN_WINDOW,
    typed: bool = False,
    id: str | None = None,
) -> dict[str, Any]:
    text = d if isinstance(d, str) else (d.code if typed else badge(d))
    return {
        "id": id or str(uuid.uuid4()),
        "badge": text,
        "site": site if isinstance(site, str) else site.code,
        "session": session if isinstance(session, int) else session.pk,
        "scanned_at": scanned_at,
    }


def world(make_site: Any) -> dict[str, Any]:
    """Hà Nội: HK-A and HK-B (Hoàn Kiếm), HN-P (a province body); Huế: HUE-A (a commune)."""
    hk_a = make_site(HOAN_KIEM, code="HK-A")
    hk_b = make_site(HOAN_KIEM, code="HK-B")
    hn_p = make_site("01.TU", code="HN-P")
    hue_a = make_site(first_commune(HUE).code, code="HUE-A")
    people = {
        "a1": make_delegate(hk_a, "Nguyễn Văn An"),
        "a2": make_delegate(hk_a, "Trần Thị Bình"),
        "a3": make_delegate(hk_a, "Lê Văn Cường"),
        "b1": make_delegate(hk_b, "Phạm Thị Dung"),
        "p1": make_delegate(hn_p, "Hoàng Văn Em"),
        "h1": make_delegate(hue_a, "Hồ Văn Huế"),
        "h2": make_delegate(hue_a, "Võ Thị Giang"),
    }
    return {
        "sites": {s.code: s for s in (hk_a, hk_b, hn_p, hue_a)},
        "people": people,
        "session": make_session(),
        "units": {"hk": unit(HOAN_KIEM), "hue_commune": first_commune(HUE)},
    }

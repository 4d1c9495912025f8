"""Set the stage for a simulated conference day, on the server's own database.

The simulator plays thousands of sites, so it needs what the sites would have on the day: the
sites themselves, their delegates with printed badges (the QR payloads), a session that is on
now, and a token. `prepare` makes them — reusing whatever is already there — and hands back the
site codes and every delegate's badge payload. It runs where the server's database is
(DATABASE_URL); the driving itself then goes through HTTP only.

Delegates are written with the import's own bulk writer (writing.Writer): 1.5 million in well
under a minute, instead of an hour through the import of 11,000 files.
"""

import datetime as dt
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from diemcau.accounts.services import add_user, issue_token
from diemcau.delegates.badge_token import payload_for
from diemcau.delegates.codes import codes_for
from diemcau.delegates.models import Delegate
from diemcau.delegates.pii import national_id_hash
from diemcau.delegates.writing import Writer, random_secrets, without_fk_checks
from diemcau.programme.models import Conference, Day, Session, SessionStatus
from diemcau.sites.demo import load_demo_sites
from diemcau.sites.models import Site

USER = "mo-phong"
CONFERENCE_SLUG = "mo-phong"
CHUNK = 50_000
Progress = Callable[[str, int, int], None]


@dataclass
class Stage:
    token: str
    session_id: int
    session_start: dt.datetime
    sites: list[str]  # codes, in a fixed order
    badges: dict[str, list[str]]  # site code → its delegates' QR payloads
    registered: int


def prepare(n_sites: int, n_delegates: int, seed: int, progress: Progress | None = None) -> Stage:
    report = progress or (lambda _label, _done, _total: None)
    if Site.objects.count() < n_sites:
        report("sites", 0, n_sites)
        load_demo_sites(n_sites, seed)
    sites = list(Site.objects.order_by("code").values_list("pk", "code", "province_id")[:n_sites])
    have = Delegate.objects.filter(site_id__in=[s[0] for s in sites]).count()
    if have < n_delegates:
        _add_delegates(sites, n_delegates - have, seed, report)
    badges = _badges(sites, report)
    _refresh_registered([s[0] for s in sites])
    session, start = _session_now()
    if not get_user_model().objects.filter(username=USER).exists():
        add_user(USER, "central_organiser")
    return Stage(
        token=issue_token(USER, label="simulate"),
        session_id=session.pk,
        session_start=start,
        sites=[code for _pk, code, _prov in sites],
        badges=badges,
        registered=sum(len(v) for v in badges.values()),
    )


def _add_delegates(
    sites: Sequence[tuple[int, str, int | None]], count: int, seed: int, report: Progress
) -> None:
    rng = random.Random(seed)
    names = ["Nguyễn Văn", "Trần Thị", "Lê Hữu", "Phạm Minh", "Hoàng Thu", "Vũ Đức", "Đặng Ngọc"]
    given = ["An", "Bình", "Cường", "Dũng", "Hà", "Hạnh", "Hùng", "Lan", "Linh", "Nam"]
    base = 10**9 + rng.randrange(10**8)  # CCCD numbers: a block of this run's own
    with without_fk_checks(), transaction.atomic(), Writer(capacity=count) as writer:
        now = writer.now
        done = 0
        while done < count:
            n = min(CHUNK, count - done)
            first = writer.first_id + done
            codes = codes_for(first, n)
            secrets = random_secrets(n)
            rows = []
            for k in range(n):
                pk, _code, province = sites[(done + k) % len(sites)]
                digits = f"001{base + done + k:09d}"
                name = f"{rng.choice(names)} {rng.choice(given)}"
                rows.append(
                    (first + k, codes[k], secrets[k], pk, province, name, "Cán bộ", "UBND", "",
                     "", "", national_id_hash(digits), digits[-4:], now, now)
                )  # fmt: skip
            writer.put(rows)
            done += n
            report("delegates", done, count)


def _badges(sites: Sequence[tuple[int, str, int | None]], report: Progress) -> dict[str, list[str]]:
    code_of = {pk: code for pk, code, _prov in sites}
    badges: dict[str, list[str]] = {code: [] for code in code_of.values()}
    rows = Delegate.objects.filter(site_id__in=list(code_of)).values_list(
        "site_id", "code", "secret"
    )
    for i, (site_id, code, secret) in enumerate(rows.iterator(chunk_size=20_000), start=1):
        badges[code_of[site_id]].append(payload_for(code, secret))
        if i % 100_000 == 0:
            report("badges", i, 0)
    return badges


def _refresh_registered(site_ids: list[int]) -> None:
    try:
        from diemcau.attendance.services import refresh_registered
    except ImportError:  # pragma: no cover - attendance not installed
        return
    refresh_registered(site_ids)


def _session_now() -> tuple[Session, dt.datetime]:
    """A live session that began five minutes ago: scans from the last hour are in its window."""
    local = timezone.localtime()
    start = (local - dt.timedelta(minutes=5)).replace(second=0, microsecond=0)
    end = start + dt.timedelta(hours=3)
    if end.date() != start.date():  # the window must sit within one day (TimeField)
        end = start.replace(hour=23, minute=59)
    conference, _ = Conference.objects.get_or_create(
        slug=CONFERENCE_SLUG,
        defaults={
            "name": "Hội nghị mô phỏng",
            "host": "diemcau simulate",
            "starts_on": start.date(),
            "ends_on": start.date(),
        },
    )
    day, _ = Day.objects.get_or_create(conference=conference, date=start.date())
    session = Session.objects.create(
        day=day,
        title=f"Phiên mô phỏng {start:%H:%M}",
        starts_at=start.time(),
        ends_at=end.time(),
        status=SessionStatus.LIVE,
    )
    return session, start

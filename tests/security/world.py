"""One small event that every row of the permission table is tried against.

Everything scoped comes in threes: one object at the site operator's own site in Hà Nội (inside
for everyone whose scope covers Hà Nội), one at a neighbouring Hà Nội site (outside for the site
operator only) and one in Huế (outside for the Hà Nội organiser and viewer). Questions follow the
same pattern by sector: the two Hà Nội questions are routed to the answerer's sector (Nội vụ), the
Huế one to another (Y tế). Each identity also owns one background task, so "your own task" and
"somebody else's task" both exist.
"""

import datetime as dt
import io
import itertools
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from diemcau.accounts.models import ApiToken, Grant
from diemcau.accounts.scopes import scope_for
from diemcau.accounts.services import add_user, issue_token
from diemcau.assessment import links
from diemcau.assessment.certificates import services as certificates
from diemcau.assessment.models import (
    AssessmentSettings,
    Certificate,
    Question,
    QuestionKind,
    Reflection,
)
from diemcau.assessment.quiz import services as quiz
from diemcau.assessment.reflections import services as reflections
from diemcau.attendance.models import CheckIn
from diemcau.audit.models import Entry as AuditEntry
from diemcau.console.links import token as site_link_token
from diemcau.console.models import SiteLink
from diemcau.delegates import tasks as delegate_tasks
from diemcau.delegates.badge_token import link_token, mac_for
from diemcau.delegates.codes import code_for
from diemcau.delegates.models import Delegate
from diemcau.exports import services as export_services
from diemcau.notifications.models import Message
from diemcau.operations import incidents, rehearsals
from diemcau.programme.materials import upload_material
from diemcau.programme.models import Conference, Day, Session, Speaker, Topic
from diemcau.questions.services import answering, intake, moderation
from diemcau.reports import services as report_services
from diemcau.reports import tasks as report_tasks
from diemcau.sites.models import Site
from diemcau.streaming.models import Recording, Stream
from diemcau.tasks.models import Task, TaskStatus
from diemcau.units.models import Unit

HANOI, HUE = "01", "46"
# Identities, in the order of the table's outcome strings.
IDENTITIES = ("C", "P", "O", "S", "V", "A", "D")
NAMES = {
    "C": "central organiser",
    "P": "province organiser of Hà Nội (01)",
    "O": "site operator of one Hà Nội site",
    "S": "sector answerer (noi-vu)",
    "V": "viewer of Hà Nội (01)",
    "A": "anonymous",
    "D": "a delegate who opened their own link and gave the second factor",
}
SECTOR_IN, SECTOR_OUT = "noi-vu", "y-te"
LINKS = ("link", "site_link")
_ids = itertools.count(910_001)


@dataclass(frozen=True)
class Trio:
    """The same kind of object at the operator's site, a neighbouring Hà Nội site, and Huế."""

    mine: Any
    neighbour: Any
    hue: Any

    def pick(self, who: str, inside: bool) -> Any:
        if inside:
            return self.mine
        return self.neighbour if who == "O" else self.hue


@dataclass
class World:
    users: dict[str, User]
    tokens: dict[str, str]
    scoped: dict[str, Trio]
    fixed: dict[str, str]
    tasks: dict[str, dict[str, str]] = field(default_factory=dict)

    def value(self, key: str, who: str, inside: bool) -> str:
        """The text that fills one placeholder (a path part, a query value, a body field)."""
        if key in self.tasks:  # one's own finished task inside; another person's outside
            owner = who if inside else ("P" if who == "C" else "C")
            return self.tasks[key][owner if owner in self.tasks[key] else "C"]
        if key in self.scoped:
            return str(self.scoped[key].pick(who, inside))
        if key in LINKS:  # a personal link: one's own inside, another's or a stale one outside
            return self.fixed[key if inside else f"forged_{key}"]
        return self.fixed[key]

    def is_scoped(self, key: str) -> bool:
        return key in self.tasks or key in self.scoped or key in LINKS


def _commune(province: str, n: int = 0) -> Unit:
    return Unit.objects.filter(level="commune", province__code=province).order_by("code")[n]


def _site(code: str, unit: Unit) -> Site:
    return Site.objects.create(
        code=code, name=f"Điểm cầu {unit.name}", unit=unit, province_id=unit.province_id
    )


def _delegate(site: Site, name: str) -> Delegate:
    n = next(_ids)
    return Delegate.objects.create(
        code=code_for(n),
        site=site,
        province_id=site.province_id,
        full_name=name,
        national_id_hash=f"{n:032x}",
        national_id_last4=f"{n % 10000:04d}",
        secret=f"{n:032x}",
    )


def _user(role: str, scope: str | None, name: str) -> User:
    add_user(name, role, scope, password="mat-khau-rat-dai-123")
    return User.objects.get(username=name)


def _programme() -> tuple[Conference, Session, Topic, Speaker]:
    day0 = timezone.localdate() + dt.timedelta(days=10)
    conference = Conference.objects.create(
        slug="bang-quyen",
        name="Hội nghị kiểm tra quyền",
        host="Ban Tổ chức Trung ương",
        starts_on=day0,
        ends_on=day0,
    )
    day = Day.objects.create(conference=conference, date=day0)
    session = Session.objects.create(
        day=day, title="Phiên sáng", starts_at=dt.time(8), ends_at=dt.time(11)
    )
    topic = Topic.objects.create(session=session, number=1, title="Chuyên đề 1")
    speaker = Speaker.objects.create(name="Nguyễn Văn Nói", title="Thứ trưởng")
    AssessmentSettings.objects.create(
        conference=conference,
        draw_size=1,
        time_limit_minutes=20,
        pass_percent=50,
        max_attempts=3,
        prompts=["Những điều đã học"],
        min_chars=5,
        max_chars=2000,
        min_sessions=0,
        require_quiz=False,
        signer_name="Nguyễn Văn Ký",
        signer_title="Trưởng Ban Tổ chức",
    )
    Question.objects.create(
        conference=conference,
        kind=QuestionKind.SINGLE,
        text="Câu hỏi?",
        options=["Đúng", "Sai"],
        correct=[0],
        points=1,
    )
    return conference, session, topic, speaker


def _write(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"%PDF-1.4\n% x\n%%EOF\n")


def build() -> World:
    """Create the event; the caller wraps it in a transaction it rolls back."""
    central = _user("central_organiser", None, "sec-central")
    hn = _site("SEC-HN-A", _commune(HANOI, 0))
    hn2 = _site("SEC-HN-B", _commune(HANOI, 1))
    hue = _site("SEC-HUE-A", _commune(HUE, 0))
    users = {
        "C": central,
        "P": _user("province_organiser", HANOI, "sec-province"),
        "O": _user("site_operator", hn.code, "sec-operator"),
        "S": _user("sector_answerer", SECTOR_IN, "sec-answerer"),
        "V": _user("viewer", HANOI, "sec-viewer"),
    }
    tokens = {who: issue_token(user.username) for who, user in users.items()}
    # People to manage (deactivate, remove a grant, revoke a token): never the identities
    # themselves, so that a row changing one cannot affect the rows after it.
    people = (
        _user("site_operator", hn.code, "sec-person-hn"),
        _user("site_operator", hn2.code, "sec-person-hn2"),
        _user("viewer", HUE, "sec-person-hue"),
    )
    for person in people:
        issue_token(person.username)
    scope = scope_for(central)
    conference, session, topic, speaker = _programme()
    material = upload_material(
        scope, topic.pk, SimpleUploadedFile("tai-lieu.pdf", b"%PDF-1.4\n% x\n%%EOF\n")
    )

    delegates = Trio(*(_delegate(s, f"Đại biểu {s.code}") for s in (hn, hn2, hue)))
    texts = (
        "Cán bộ cấp xã dôi dư sau sắp xếp được hưởng chính sách gì?",
        "Con dấu của xã mới sau sáp nhập được khắc ở đâu và khi nào được sử dụng?",
        "Trạm y tế các xã cũ sau sáp nhập được tổ chức lại thế nào?",
    )
    asked = [
        intake.create_question(scope, central, site=s.code, text=t)
        for s, t in zip((hn, hn2, hue), texts, strict=True)
    ]
    for question, sector in zip(asked, (SECTOR_IN, SECTOR_IN, SECTOR_OUT), strict=True):
        moderation.route_cluster(scope, central, question.cluster_id, sector)
    # The Hà Nội question's answer is published: the public knowledge base shows it, not the rest.
    answering.answer_cluster(scope, central, asked[0].cluster_id, "Được hưởng chính sách.")
    answering.publish_answer(scope, asked[0].cluster_id)
    opened = [incidents.open_incident(scope, central, s.code, "other") for s in (hn, hn2, hue)]
    now = timezone.now()
    rehearsal_hn = rehearsals.schedule(
        scope,
        central,
        title="Kiểm tra Hà Nội",
        starts_at=now,
        ends_at=now + dt.timedelta(days=1),
        unit_code=HANOI,
    )
    rehearsal_hn2 = rehearsals.schedule(
        scope,
        central,
        title="Kiểm tra xã bên cạnh",
        starts_at=now,
        ends_at=now + dt.timedelta(days=1),
        unit_code=hn2.unit.code,
    )
    rehearsal_hue = rehearsals.schedule(
        scope,
        central,
        title="Kiểm tra Huế",
        starts_at=now,
        ends_at=now + dt.timedelta(days=1),
        unit_code=HUE,
    )
    reports = [reflections.reflection_of(d, conference.pk) for d in delegates.__dict__.values()]
    for report in reports:
        reflections.save_text(
            report.delegate, conference.pk, ["Tôi đã học được nhiều."], final=True
        )
    certs: list[Certificate] = [
        certificates.new_certificate(d, conference.pk, timezone.localdate())
        for d in (delegates.mine, delegates.neighbour, delegates.hue)
    ]
    snapshots = [report_services.freeze(scope, central, node, None) for node in (HANOI, HANOI, HUE)]
    attempt = quiz.start_attempt(delegates.mine, conference.pk)
    SiteLink.objects.create(site=hn, expires_at=now + dt.timedelta(days=30))
    checkins = [
        CheckIn.objects.create(
            id=uuid.uuid4(),
            delegate=d,
            session=session,
            site=d.site,
            scanned_at=now,
            received_at=now,
        )
        for d in (delegates.mine, delegates.neighbour, delegates.hue)
    ]
    Stream.objects.create(name="sec-live", title="Trực tiếp", conference=conference)
    # A session recording (its files are not needed to sign, list, keep or delete it).
    recording = Recording.objects.create(
        session=session, name="rec-sec", started_at=now, duration_s=60, segments=30
    )
    # A learning report sent as a file, so the grader's download has something to open.
    for report in reports:
        Reflection.objects.filter(pk=report.pk).update(
            file_path=f"{report.pk}.pdf", file_kind="pdf"
        )
        _write(reflections.reports_dir() / f"{report.pk}.pdf")
    tasks: dict[str, dict[str, str]] = {
        "task": {},
        "badge_task": {},
        "list_task": {},
        "paperlist_task": {},
    }
    for who, user in users.items():
        export = Task.objects.create(
            kind=report_tasks.KIND,
            owner=user,
            status=TaskStatus.DONE,
            result={"format": "xlsx", "filename": "bao-cao.xlsx"},
        )
        _write(report_tasks.export_file(export.pk, "xlsx"))
        badges = Task.objects.create(
            kind="delegates.badges", owner=user, status=TaskStatus.DONE, result={"site": hn.code}
        )
        _write(delegate_tasks.badge_file(badges.pk))
        tasks["task"][who], tasks["badge_task"][who] = str(export.pk), str(badges.pk)
        # An export of a list (exports) and a paper list checked in a dry run, kept to record.
        listed = Task.objects.create(
            kind=export_services.KIND,
            owner=user,
            status=TaskStatus.DONE,
            params={"format": "csv"},
            result={"format": "csv", "filename": "ds.csv"},
        )
        _write(export_services.export_path(listed.pk, "csv"))
        paper = settings.DATA_DIR / "uploads" / "paper-lists" / f"sec-{who}.csv"
        paper.parent.mkdir(parents=True, exist_ok=True)
        paper.write_text("Mã đại biểu\nKHONGCO\n", encoding="utf-8")
        checked = Task.objects.create(
            kind="exports.paperlist",
            owner=user,
            status=TaskStatus.DONE,
            params={
                "path": str(paper),
                "filename": "ds.csv",
                "session": session.pk,
                "dry_run": True,
            },
        )
        tasks["list_task"][who], tasks["paperlist_task"][who] = str(listed.pk), str(checked.pk)
    operator_commune = hn.unit.code
    # Messages to sites: two sent by the Hà Nội organiser, one by central to a Huế site.
    messages = [
        Message.objects.create(
            channel="email",
            body="Kính gửi {nguoi_nhan}",
            created_by=sender,
            unit=site.province,
            audience={"kind": "list", "codes": [site.code]},
        )
        for sender, site in ((users["P"], hn), (users["P"], hn2), (central, hue))
    ]
    return World(
        users=users,
        tokens=tokens,
        tasks=tasks,
        scoped={
            "site": Trio(hn.code, hn2.code, hue.code),
            "delegate": Trio(*(d.code for d in delegates.__dict__.values())),
            "question": Trio(*(q.pk for q in asked)),
            "cluster": Trio(*(q.cluster_id for q in asked)),
            "incident": Trio(*(i.pk for i in opened)),
            "checkin": Trio(*(c.pk for c in checkins)),
            "person": Trio(*(p.username for p in people)),
            "person_id": Trio(*(p.pk for p in people)),
            "grant": Trio(*(Grant.objects.get(user=p).pk for p in people)),
            "token": Trio(*(ApiToken.objects.get(user=p).pk for p in people)),
            # The audit trail's entry for each site's creation: readable where the site is.
            "entry": Trio(
                *(
                    AuditEntry.objects.filter(
                        content_type__model="site", object_pk=str(site.pk), action=0
                    )
                    .values_list("pk", flat=True)
                    .get()
                    for site in (hn, hn2, hue)
                )
            ),
            "badge": Trio(*(d.code for d in (delegates.mine, delegates.neighbour, delegates.hue))),
            # The badge's QR address (/d/<code>.<mac>): genuine inside; outside, another
            # delegate's code under this one's MAC (a forged badge), which must answer 404.
            "badge_link": Trio(
                link_token(delegates.mine.code, delegates.mine.secret),
                f"{delegates.neighbour.code}.{mac_for(delegates.mine.code, delegates.mine.secret)}",
                f"{delegates.hue.code}.{mac_for(delegates.mine.code, delegates.mine.secret)}",
            ),
            "rehearsal": Trio(rehearsal_hn.pk, rehearsal_hn2.pk, rehearsal_hue.pk),
            "report": Trio(*(r.pk for r in reports)),
            "certificate": Trio(*(c.pk for c in certs)),
            "snapshot": Trio(*(s.pk for s in snapshots)),
            "node": Trio(HANOI, hn2.unit.code, HUE),
            "commune": Trio(operator_commune, _commune(HANOI, 1).code, _commune(HUE, 0).code),
            "sector": Trio(SECTOR_IN, SECTOR_IN, SECTOR_OUT),
            "message": Trio(*(m.pk for m in messages)),
        },
        fixed={
            "conference": str(conference.pk),
            "session": str(session.pk),
            "topic": str(topic.pk),
            "speaker": str(speaker.pk),
            "material": str(material.pk),
            "recording": str(recording.pk),
            "unit": HANOI,
            "which": "emblem",
            "exporter": "delegates",
            "index": "0",
            "link": links.token_for(delegates.mine),
            # Outside: another delegate's genuine link, which this delegate has not unlocked.
            "forged_link": links.token_for(delegates.neighbour),
            "digits": delegates.mine.national_id_last4,
            "other_cluster": str(asked[1].cluster_id),
            "attempt": str(attempt.pk),
            "cert_code": certs[0].code,
            "site_link": site_link_token(hn.code, 1),
            "forged_site_link": site_link_token(hn.code, 2),
            "csv": "csv",
            "uuid": "00000000-0000-4000-8000-00000000abcd",
            "now": now.isoformat(),
        },
    )


def tiny_file(name: str = "x.csv") -> SimpleUploadedFile:
    """An upload small enough to pass any size limit; whether it parses does not matter."""
    data = io.BytesIO(b"a,b\n1,2\n").getvalue()
    return SimpleUploadedFile(name, data, content_type="text/csv")

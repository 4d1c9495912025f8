"""The living demo's people and paperwork, on top of the demo sites and the demo programme.

`diemcau up` calls `load_living_demo` so that a newcomer finds, on the first page, a conference
whose session is on now (programme.demo), tens of thousands of delegates with badges, a quiz bank,
and questions from sites — some routed, some answered and published. Everything is made once and
kept: a second start only re-dates the programme (same sessions) and adds what is missing.

Delegates go through the import's own bulk writer (delegates.writing.Writer: executemany on
SQLite, COPY on PostgreSQL), as the simulator's do, so 50,000 cost about a second, not minutes of
bulk_create. The quiz bank goes through the assessment's own import (`quiz.services.import_bank`),
from a CSV it could have been given by an organiser.
"""

import csv
import datetime as dt
import importlib
import io
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from diemcau.accounts.scopes import Scope, scope_for
from diemcau.delegates.codes import codes_for
from diemcau.delegates.models import Delegate
from diemcau.delegates.pii import national_id_hash
from diemcau.delegates.writing import Writer, random_secrets, without_fk_checks
from diemcau.programme.demo import SLUG, load_demo_programme
from diemcau.programme.models import Conference, Session, SessionKind
from diemcau.sites.demo import DEMO_PREFIX
from diemcau.sites.models import Site

DEMO_DELEGATES = 50_000
OPERATOR_SITE_DELEGATES = 40  # the demo operator's own sites: enough to see a count move
OPERATOR = "diemcau"  # the demo operator's username (sites.demo.load_demo_accounts)
CCCD_PREFIX = "002"  # demo national IDs: 002 + nine digits, a block no other loader uses
CHUNK = 25_000
READINESS_CHECKS = 300  # sites that ran the rehearsal's check
EVERYTHING = Scope(user_id=0, everything=True)
Progress = Callable[[str, int, int], None]

FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương")
MIDDLE = ("Văn", "Thị", "Hữu", "Minh", "Thu", "Đức", "Ngọc", "Quang", "Thanh", "Hoài")
GIVEN = (
    *("An", "Bình", "Cường", "Dũng", "Giang", "Hà", "Hạnh", "Hùng", "Lan", "Linh", "Long"),
    *("Mai", "Nam", "Oanh", "Phúc", "Quân", "Sơn", "Tâm", "Thảo", "Trung", "Tuấn", "Yến"),
)
POSITIONS = (
    ("Bí thư Đảng ủy", "Đảng ủy xã"),
    ("Chủ tịch Ủy ban nhân dân", "UBND xã"),
    ("Phó Chủ tịch Ủy ban nhân dân", "UBND xã"),
    ("Chủ tịch Ủy ban Mặt trận Tổ quốc", "Ủy ban MTTQ xã"),
    ("Công chức Văn phòng - Thống kê", "UBND xã"),
    ("Công chức Tư pháp - Hộ tịch", "UBND xã"),
    ("Công chức Địa chính - Xây dựng", "UBND xã"),
    ("Công chức Tài chính - Kế toán", "UBND xã"),
)

# Quiz bank: (topic number, question, options, correct letters, explanation).
QUIZ = (
    (1, "Chính quyền địa phương được tổ chức theo mô hình mấy cấp từ ngày 01/7/2025?",
     ("Một cấp", "Hai cấp: tỉnh và xã", "Ba cấp: tỉnh, huyện, xã"), "B",
     "Bỏ cấp huyện, giữ cấp tỉnh và cấp xã."),
    (2, "Cơ quan nào hiệp thương, giới thiệu người ứng cử đại biểu Hội đồng nhân dân cấp xã?",
     ("Ủy ban Mặt trận Tổ quốc cấp xã", "Ủy ban nhân dân cấp xã", "Công an xã"), "A", ""),
    (3, "Những cơ quan nào tạo thành chính quyền địa phương ở cấp xã?",
     ("Hội đồng nhân dân", "Ủy ban nhân dân", "Tòa án nhân dân"), "A, B",
     "Chính quyền địa phương gồm Hội đồng nhân dân và Ủy ban nhân dân."),
    (4, "Số đơn vị hành chính cấp tỉnh sau sắp xếp năm 2025 là bao nhiêu?",
     ("28", "34", "63"), "B", ""),
    (5, "Cấp nào tiếp nhận phần lớn nhiệm vụ của cấp huyện trước đây?",
     ("Cấp tỉnh", "Cấp xã", "Bộ, ngành Trung ương"), "B", ""),
    (6, "Ủy ban nhân dân cấp xã chịu trách nhiệm trước cơ quan nào?",
     ("Hội đồng nhân dân cấp xã", "Ủy ban nhân dân cấp tỉnh", "Cả hai cơ quan trên"), "C", ""),
)  # fmt: skip

# Questions sites ask during the live session: (text, sector to route to or "", answer or "").
QUESTIONS = (
    ("Thủ tục chuyển công chức cấp huyện về cấp xã thực hiện thế nào?", "noi-vu",
     "Thực hiện theo quyết định điều động của Ủy ban nhân dân cấp tỉnh; hồ sơ công chức được "
     "bàn giao nguyên trạng cho xã tiếp nhận."),
    ("Kinh phí hoạt động của xã mới trong năm đầu lấy từ nguồn nào?", "tai-chinh",
     "Từ dự toán ngân sách đã giao cho các đơn vị trước sắp xếp, được điều chỉnh cho xã mới."),
    ("Hồ sơ đất đai của huyện cũ bàn giao cho xã theo trình tự nào?", "nong-nghiep-moi-truong",
     ""),
    ("Sổ hộ tịch của các xã cũ được lưu trữ ở đâu sau khi hợp nhất?", "tu-phap", ""),
    ("Chế độ phụ cấp của người hoạt động không chuyên trách sau sắp xếp ra sao?", "", ""),
    ("Trụ sở dôi dư sau sắp xếp được xử lý theo quy định nào?", "", ""),
    ("Con dấu của xã mới được cấp ở đâu và trong bao lâu?", "", ""),
    ("Xã mới có cần ban hành lại quy chế làm việc của Ủy ban nhân dân không?", "noi-vu", ""),
)  # fmt: skip


@dataclass
class LoadReport:
    lines: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)


def load_living_demo(
    now: dt.datetime | None = None,
    delegates: int = DEMO_DELEGATES,
    progress: Progress | None = None,
    base_url: str = "",
) -> LoadReport:
    """Programme dated around `now`, delegates, quiz bank, questions; what was done, in lines."""
    report = LoadReport()
    now = now or timezone.now()
    started = time.perf_counter()
    report.lines.append(load_demo_programme(now))
    report.timings["programme_s"] = time.perf_counter() - started
    conference = Conference.objects.get(slug=SLUG)
    step = time.perf_counter()
    added = add_delegates(delegates, progress)
    report.timings["delegates_s"] = time.perf_counter() - step
    total = Delegate.objects.filter(site__code__startswith=DEMO_PREFIX).count()
    report.lines.append(
        f"Đại biểu mẫu: {total:,} (thêm {added:,} trong "
        f"{report.timings['delegates_s']:.1f} s)".replace(",", ".")
    )
    step = time.perf_counter()
    report.lines.append(load_quiz_bank(conference))
    report.timings["quiz_s"] = time.perf_counter() - step
    step = time.perf_counter()
    report.lines.append(load_questions(conference, now))
    report.timings["questions_s"] = time.perf_counter() - step
    step = time.perf_counter()
    report.lines.append(load_readiness(conference, now))
    report.timings["readiness_s"] = time.perf_counter() - step
    link = delegate_link(base_url)
    if link:
        report.lines.append(f"Trang của một đại biểu mẫu (như mã QR trên thẻ mở ra): {link}")
    report.timings["total_s"] = time.perf_counter() - started
    return report


# -- delegates -------------------------------------------------------------------------------
def _demo_sites() -> list[tuple[int, str, int | None]]:
    return list(
        Site.objects.filter(code__startswith=DEMO_PREFIX)
        .order_by("code")
        .values_list("pk", "code", "province_id")
    )


def operator_site_ids() -> set[int]:
    """The demo operator's sites (by their grants), which get a fuller list of delegates."""
    user = get_user_model().objects.filter(username=OPERATOR).first()
    return set(scope_for(user).operator_site_ids) if user is not None else set()


def _plan(sites: Sequence[tuple[int, str, int | None]], count: int) -> list[int]:
    """Which site each new delegate joins: the operator's sites first, the rest round-robin."""
    theirs = operator_site_ids()
    own = [i for i, (pk, _c, _p) in enumerate(sites) if pk in theirs]
    order = [i for i in own for _ in range(OPERATOR_SITE_DELEGATES)][:count]
    others = [i for i in range(len(sites)) if i not in set(own)] or list(range(len(sites)))
    order.extend(others[k % len(others)] for k in range(count - len(order)))
    return order


def add_delegates(target: int, progress: Progress | None = None) -> int:
    """Bring the demo sites up to `target` delegates; returns how many were added."""
    sites = _demo_sites()
    if not sites:
        return 0
    have = Delegate.objects.filter(site__code__startswith=DEMO_PREFIX).count()
    count = target - have
    if count <= 0:
        return 0
    placement = _plan(sites, count)
    done = 0
    with without_fk_checks(), transaction.atomic(), Writer(capacity=count) as writer:
        while done < count:
            n = min(CHUNK, count - done)
            first = writer.first_id + done
            codes = codes_for(first, n)
            secrets = random_secrets(n)
            rows = []
            for k in range(n):
                serial = have + done + k
                pk, _code, province = sites[placement[done + k]]
                digits = f"{CCCD_PREFIX}{serial:09d}"
                name = (
                    f"{FAMILY[serial % len(FAMILY)]} {MIDDLE[serial // 7 % len(MIDDLE)]} "
                    f"{GIVEN[serial // 3 % len(GIVEN)]}"
                )
                position, workplace = POSITIONS[serial % len(POSITIONS)]
                rows.append(
                    (first + k, codes[k], secrets[k], pk, province, name, position, workplace,
                     "", "", "", national_id_hash(digits), digits[-4:], writer.now, writer.now)
                )  # fmt: skip
            writer.put(rows)
            done += n
            if progress:
                progress("delegates", done, count)
    _refresh_registered(writer.site_ids)
    return count


def _refresh_registered(site_ids: set[int]) -> None:
    """The attendance counters' "registered" per site (what checked in ÷ registered divides by)."""
    from diemcau.attendance.tallies import refresh_registered

    refresh_registered(sorted(site_ids))


# -- quiz bank -------------------------------------------------------------------------------
def _quiz() -> ModuleType:
    """The assessment's public quiz surface (quiz.services; assessment.bank before its split)."""
    for name in ("diemcau.assessment.quiz.services", "diemcau.assessment.bank"):
        try:
            return importlib.import_module(name)
        except ImportError:
            continue
    raise ImportError("diemcau.assessment.quiz.services")


def quiz_csv() -> bytes:
    """The bank as an organiser would write it in the assessment's own template (CSV)."""
    header = ["Chuyên đề (số)", "Loại câu hỏi", "Câu hỏi", "Phương án A", "Phương án B",
              "Phương án C", "Đáp án đúng", "Điểm", "Giải thích"]  # fmt: skip
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for topic, text, options, correct, explanation in QUIZ:
        kind = "nhiều" if "," in correct else "một"
        writer.writerow([topic, kind, text, *options, correct, 1, explanation])
    return out.getvalue().encode("utf-8")


def load_quiz_bank(conference: Conference) -> str:
    quiz: Any = _quiz()
    existing = quiz.bank(EVERYTHING, conference.pk)
    if existing:
        return f"Ngân hàng câu hỏi kiểm tra: đã có {len(existing)} câu."
    result = quiz.import_bank(conference, io.BytesIO(quiz_csv()), "ngan-hang-mau.csv")
    if result.errors:
        return "Không nạp được ngân hàng câu hỏi mẫu: " + "; ".join(
            f"dòng {e.row}: {e.reason}" for e in result.errors[:3]
        )
    return f"Ngân hàng câu hỏi kiểm tra: {result.imported} câu (qua bộ nhập của phần kiểm tra)."


# -- questions from sites --------------------------------------------------------------------
def _live_session(conference: Conference, now: dt.datetime) -> Session | None:
    sessions = Session.objects.filter(day__conference=conference, kind=SessionKind.SESSION)
    return next(
        (s for s in sessions.select_related("day") if s.status_at(now) == "live"),
        None,
    )


def load_questions(conference: Conference, now: dt.datetime) -> str:
    """A few questions from demo sites in the live session: routed, answered, one published."""
    from diemcau.questions import services as questions

    session = _live_session(conference, now)
    if session is None:
        return "Câu hỏi mẫu: không có phiên đang diễn ra."
    if questions.visible_questions(EVERYTHING).filter(session__day__conference=conference).exists():
        return "Câu hỏi mẫu: đã có."
    demo = _demo_sites()
    sites = [code for _pk, code, _prov in demo[:: max(1, len(demo) // 40)]]
    own = list(Site.objects.filter(pk__in=operator_site_ids()).values_list("code", flat=True))
    askers = own + sites
    answered = published = 0
    for index, (text, sector, answer) in enumerate(QUESTIONS):
        question = questions.create_question(
            EVERYTHING,
            None,
            site=askers[index % len(askers)],
            text=text,
            session=session.pk,
            client_id=f"demo-{index}",
        )
        if not sector or question.cluster is None:
            continue
        questions.route_cluster(EVERYTHING, None, question.cluster.pk, sector)
        if answer:
            questions.answer_cluster(EVERYTHING, None, question.cluster.pk, answer)
            answered += 1
            if index == 0:
                questions.publish_answer(EVERYTHING, question.cluster.pk)
                published += 1
    return (
        f"Câu hỏi mẫu: {len(QUESTIONS)} câu từ các điểm cầu trong phiên “{session.title}”, "
        f"{answered} đã trả lời ({published} công bố)."
    )


def load_readiness(conference: Conference, now: dt.datetime) -> str:
    """The rehearsal's readiness window (operations), open from the rehearsal's start to the live
    session's end, with checks from a few hundred sites — some not ready (no sound, no picture)
    — so that the readiness page lists, by name and phone, whom to call before the session."""
    from diemcau.operations import rehearsals
    from diemcau.units.organisations import CENTRAL_CODE

    sessions = Session.objects.filter(day__conference=conference).select_related("day")
    rehearsal = next((s for s in sessions if s.kind == SessionKind.REHEARSAL), None)
    live = _live_session(conference, now)
    if rehearsal is None or live is None:
        return "Kiểm tra kỹ thuật: không có buổi kiểm tra hôm nay."
    title = f"{rehearsal.title} — {conference.starts_on:%d/%m/%Y}"
    if rehearsals.visible_rehearsals(EVERYTHING).filter(title=title).exists():
        return "Kiểm tra kỹ thuật: đã có."
    window = rehearsals.schedule(
        EVERYTHING,
        None,
        title=title,
        starts_at=rehearsal.bounds()[0],
        ends_at=live.bounds()[1],
        unit_code=CENTRAL_CODE,
    )
    sites = _demo_sites()
    checked = sites[:: max(1, len(sites) // READINESS_CHECKS)]
    not_ready = 0
    for index, (_pk, code, _prov) in enumerate(checked):
        sound = index % 9 != 4
        stream = index % 13 != 6
        not_ready += not (sound and stream)
        rehearsals.record_check(
            EVERYTHING,
            None,
            window.pk,
            site_code=code,
            stream_ok=stream,
            sound_ok=sound,
            note="" if sound and stream else "Demo: chưa nghe được tiếng / chưa xem được hình",
        )
    return (
        f"Kiểm tra kỹ thuật: {len(checked)} điểm cầu đã kiểm tra, {not_ready} chưa sẵn sàng "
        f"(cửa sổ kiểm tra mở đến hết “{live.title}”)."
    )


def delegate_link(base_url: str = "") -> str:
    """One demo delegate's personal page, at the server's public address (else `base_url`)."""
    from diemcau.assessment.links import token_for

    delegate = (
        Delegate.objects.filter(site_id__in=operator_site_ids()).order_by("pk").first()
        or Delegate.objects.filter(site__code__startswith=DEMO_PREFIX).order_by("pk").first()
    )
    if delegate is None:
        return ""
    base = (getattr(settings, "DIEMCAU_PUBLIC_URL", "") or base_url).rstrip("/")
    return f"{base}/hoc-vien/{token_for(delegate)}/"


def live_session_id(now: dt.datetime | None = None) -> int | None:
    """The demo's session on now (for the simulated day), or None."""
    conference = Conference.objects.filter(slug=SLUG).first()
    if conference is None:
        return None
    session = _live_session(conference, now or timezone.now())
    return session.pk if session else None

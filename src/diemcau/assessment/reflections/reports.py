"""Learning reports (bài thu hoạch): written by the delegate, graded within scope.

Typed answers are saved as they come (a draft), and submitted once within the length limits. An
upload replaces typing: DOCX or PDF only, recognised by their bytes, not by the name, and capped
in size; the file is kept under the data folder, never served from a guessable URL.
"""

import datetime as dt
import io
import zipfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from diemcau.accounts.scopes import Scope
from diemcau.assessment.access import grader_sites_q
from diemcau.assessment.conference_settings import settings_for
from diemcau.assessment.models import AssessmentSettings, Reflection, ReportStatus
from diemcau.delegates.models import Delegate
from diemcau.errors import Invalid, NotFound

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
PDF_MAGIC = b"%PDF-"
ZIP_MAGIC = b"PK\x03\x04"


def reports_dir() -> Path:
    return Path(settings.DATA_DIR) / "assessment" / "reports"


def reflection_of(delegate: Delegate, conference_id: int) -> Reflection:
    found, _created = Reflection.objects.get_or_create(
        delegate=delegate,
        conference_id=conference_id,
        defaults={"site_id": delegate.site_id, "updated_at": timezone.now()},
    )
    return found


def _check_open(conf: AssessmentSettings, reflection: Reflection, now: dt.datetime) -> None:
    if reflection.status != ReportStatus.DRAFT:
        raise Invalid(_("Your learning report has already been submitted."))
    if conf.report_due_at and now > conf.report_due_at:
        raise Invalid(_("The learning report is past its due date."))


def save_text(
    delegate: Delegate,
    conference_id: int,
    answers: list[str],
    *,
    final: bool = False,
    now: dt.datetime | None = None,
) -> Reflection:
    """Save the typed answers (a draft); `final` submits them once they meet the limits."""
    now = now or timezone.now()
    conf = settings_for(conference_id)
    reflection = reflection_of(delegate, conference_id)
    _check_open(conf, reflection, now)
    prompts = conf.prompts or [""]
    texts = [str(a).strip() for a in answers][: len(prompts)]
    length = sum(len(t) for t in texts)
    if length > conf.max_chars:
        raise Invalid(
            _("The learning report is too long: %(n)s characters, at most %(max)s.")
            % {"n": length, "max": conf.max_chars}
        )
    if final and length < conf.min_chars:
        raise Invalid(
            _("The learning report is too short: %(n)s characters, at least %(min)s.")
            % {"n": length, "min": conf.min_chars}
        )
    reflection.answers = texts
    reflection.updated_at = now
    if final:
        reflection.status = ReportStatus.SUBMITTED
        reflection.submitted_at = now
    reflection.save()
    return reflection


def sniff_kind(data: bytes) -> str | None:
    """'pdf' or 'docx' by the file's bytes; None for anything else (renamed files included)."""
    if data.startswith(PDF_MAGIC):
        return "pdf"
    if data.startswith(ZIP_MAGIC):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
        except zipfile.BadZipFile:
            return None
        if "word/document.xml" in names and "[Content_Types].xml" in names:
            return "docx"
    return None


def upload(
    delegate: Delegate,
    conference_id: int,
    filename: str,
    data: bytes,
    now: dt.datetime | None = None,
) -> Reflection:
    now = now or timezone.now()
    conf = settings_for(conference_id)
    reflection = reflection_of(delegate, conference_id)
    _check_open(conf, reflection, now)
    if len(data) > MAX_UPLOAD_BYTES:
        raise Invalid(
            _("The file is too large: at most %(mb)s MB.") % {"mb": MAX_UPLOAD_BYTES // 2**20}
        )
    kind = sniff_kind(data)
    if kind is None:
        raise Invalid(_("Only Word (DOCX) or PDF files are accepted."))
    folder = reports_dir() / str(conference_id)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{delegate.code}.{kind}"
    path.write_bytes(data)
    reflection.file_path = str(path.relative_to(reports_dir()))
    reflection.file_name = Path(filename).name[:255]
    reflection.file_kind = kind
    reflection.status = ReportStatus.SUBMITTED
    reflection.submitted_at = now
    reflection.updated_at = now
    reflection.save()
    return reflection


# -- grading ----------------------------------------------------------------------------------
def visible_reports(scope: Scope, conference_id: int) -> QuerySet[Reflection]:
    q = grader_sites_q(scope)
    if q is None:
        return Reflection.objects.none()
    qs = (
        Reflection.objects.filter(conference_id=conference_id)
        .select_related("delegate", "site")
        .prefetch_related("sent__question")
    )
    if q:
        from diemcau.sites.models import Site

        qs = qs.filter(site__in=Site.objects.filter(q).values("pk"))
    return qs


def get_report(scope: Scope, report_id: int) -> Reflection:
    report = Reflection.objects.filter(pk=report_id).first()
    if (
        report is None
        or not visible_reports(scope, report.conference_id).filter(pk=report_id).exists()
    ):
        raise NotFound(_("Learning report not found."))
    return report


def report_file(report: Reflection) -> Path | None:
    return reports_dir() / report.file_path if report.file_path else None


def report_as_dict(report: Reflection, prompts: list[str]) -> dict[str, Any]:
    sent = {
        s.answer_index: {"question": s.question_id, "cluster": s.question.cluster_id}
        for s in report.sent.all()
    }
    return {
        "id": report.pk,
        "delegate": report.delegate.code,
        "name": report.delegate.full_name,
        "site": report.site.code,
        "status": report.status,
        "answers": [
            {
                "index": i,
                "prompt": p,
                "text": report.answers[i] if i < len(report.answers) else "",
                "sent": sent.get(i),
            }
            for i, p in enumerate(prompts or [""])
        ],
        "file": report.file_name,
        "submitted_at": report.submitted_at,
        "score": report.score,
        "comment": report.comment,
        "assigned_to": report.assigned_to_id,
        "readings": {
            "first": {"score": report.first_score, "comment": report.first_comment},
            "second": {"score": report.second_score, "comment": report.second_comment},
        },
    }

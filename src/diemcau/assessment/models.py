"""Learning outcomes of a conference: quiz (kiểm tra), learning report (bài thu hoạch),
completion rule and certificates (giấy chứng nhận).

Everything hangs off one `AssessmentSettings` row per conference so that an organiser edits one
page. This module is where every model of the app is importable from (Django loads the app's
models from here): each sub-package keeps its own tables in its `models.py`, imported here;
those modules import nothing of the app, so loading the models loads no services.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from diemcau.assessment.catchup.models import CatchUpRule, CatchUpView
from diemcau.assessment.certificates.models import Certificate
from diemcau.assessment.completion.models import CompletionSite
from diemcau.assessment.quiz.models import Attempt, Question, QuestionKind
from diemcau.assessment.reflections.models import (
    Reflection,
    ReportStatus,
    SentQuestion,
)

# One line per paragraph; a line that is one field alone is printed large (the name) or bold.
DEFAULT_CERTIFICATE_BODY = "Chứng nhận Ông/Bà\n{ho_ten}\nĐã hoàn thành chương trình\n{hoi_nghi}"


class AssessmentSettings(models.Model):
    conference = models.OneToOneField(
        "programme.Conference", on_delete=models.CASCADE, related_name="assessment"
    )
    # quiz
    draw_size = models.PositiveIntegerField(_("questions per attempt"), default=20)
    time_limit_minutes = models.PositiveIntegerField(_("time limit (minutes)"), default=30)
    pass_percent = models.PositiveIntegerField(_("pass mark (%)"), default=70)
    max_attempts = models.PositiveIntegerField(_("attempts allowed"), default=2)
    opens_at = models.DateTimeField(_("quiz opens"), null=True, blank=True)
    closes_at = models.DateTimeField(_("quiz closes"), null=True, blank=True)
    # learning report
    prompts = models.JSONField(_("learning report prompts"), default=list, blank=True)
    min_chars = models.PositiveIntegerField(_("minimum length (characters)"), default=200)
    max_chars = models.PositiveIntegerField(_("maximum length (characters)"), default=8000)
    report_due_at = models.DateTimeField(_("learning report due"), null=True, blank=True)
    report_max_score = models.PositiveIntegerField(_("learning report maximum score"), default=10)
    # completion
    min_sessions = models.PositiveIntegerField(_("sessions attended at least"), default=1)
    require_quiz = models.BooleanField(_("quiz passed"), default=True)
    min_report_score = models.PositiveIntegerField(
        _("learning report graded at least"), null=True, blank=True, default=5
    )
    # certificate
    certificate_title = models.CharField(
        _("certificate title"), max_length=200, default="GIẤY CHỨNG NHẬN"
    )
    signer_name = models.CharField(_("signer"), max_length=200, blank=True)
    signer_title = models.CharField(_("signer's position"), max_length=200, blank=True)
    certificate_body = models.TextField(
        _("certificate text"), blank=True, default=DEFAULT_CERTIFICATE_BODY
    )
    # Relative to DATA_DIR/assessment/templates; PNG or JPEG checked by content on upload.
    certificate_emblem = models.CharField(max_length=300, blank=True)
    certificate_seal = models.CharField(max_length=300, blank=True)
    # grading (see grading.py for the rule)
    second_reading = models.BooleanField(
        _("second reading of reports scored below the pass mark"), default=False
    )
    second_reading_gap = models.PositiveIntegerField(
        _("largest gap between two readers before an organiser settles"), default=2
    )

    class Meta:
        verbose_name = _("assessment settings")
        verbose_name_plural = _("assessment settings")

    def __str__(self) -> str:
        return str(self.conference_id)


__all__ = [
    "DEFAULT_CERTIFICATE_BODY",
    "AssessmentSettings",
    "Attempt",
    "CatchUpRule",
    "CatchUpView",
    "Certificate",
    "CompletionSite",
    "Question",
    "QuestionKind",
    "Reflection",
    "ReportStatus",
    "SentQuestion",
]

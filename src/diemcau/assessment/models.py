"""Learning outcomes of a conference: quiz (kiểm tra), learning report (bài thu hoạch),
completion rule and certificates (giấy chứng nhận).

Everything hangs off one `AssessmentSettings` row per conference so that an organiser edits one
page. An attempt keeps the questions it drew (ids in order, seeded per delegate) so that a bank
edited later cannot change what a delegate was asked; answers live in one JSON column so a save
is one UPDATE, however many questions are answered at once.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

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


class QuestionKind(models.TextChoices):
    SINGLE = "single", _("Single choice")
    MULTIPLE = "multiple", _("Multiple choice")


class Question(models.Model):
    conference = models.ForeignKey(
        "programme.Conference", on_delete=models.CASCADE, related_name="quiz_questions"
    )
    topic = models.ForeignKey(
        "programme.Topic", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=QuestionKind.choices)
    text = models.TextField(_("question"))
    options = models.JSONField(_("options"), default=list)  # ["…", "…"]
    correct = models.JSONField(_("correct options"), default=list)  # [0, 2]
    points = models.PositiveIntegerField(_("points"), default=1)
    explanation = models.TextField(_("explanation"), blank=True)
    active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("quiz question")
        verbose_name_plural = _("quiz questions")
        ordering = ("pk",)

    def __str__(self) -> str:
        return self.text[:80]


class Attempt(models.Model):
    """One try at the quiz. Its id is the idempotency key of the submission."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    conference = models.ForeignKey(
        "programme.Conference", on_delete=models.CASCADE, related_name="+"
    )
    delegate = models.ForeignKey("delegates.Delegate", on_delete=models.CASCADE, related_name="+")
    number = models.PositiveIntegerField()
    question_ids = models.JSONField(default=list)
    option_orders = models.JSONField(default=dict)  # {question id: [shown order of options]}
    answers = models.JSONField(default=dict)  # {question id: [option indexes]}
    # What scoring needs, copied at the draw ({question id: [points, *correct indexes]}) with
    # the pass mark: a submission is then one locked read and one UPDATE, and a bank edited
    # mid-quiz cannot change the marking of an attempt already running.
    key = models.JSONField(default=dict)
    pass_percent = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField()
    deadline = models.DateTimeField()
    submitted_at = models.DateTimeField(null=True, blank=True)
    auto_submitted = models.BooleanField(default=False)
    score = models.PositiveIntegerField(null=True, blank=True)
    max_score = models.PositiveIntegerField(default=0)
    passed = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["delegate", "conference", "number"], name="assessment_attempt_number"
            )
        ]

    def __str__(self) -> str:
        return f"{self.delegate_id} #{self.number}"


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    GRADED = "graded", _("Graded")
    SECOND = "second", _("Awaiting a second reading")
    DISPUTED = "disputed", _("Readers disagree")


class Reflection(models.Model):
    """A delegate's learning report (bài thu hoạch): typed answers or one uploaded file."""

    conference = models.ForeignKey(
        "programme.Conference", on_delete=models.CASCADE, related_name="+"
    )
    delegate = models.ForeignKey("delegates.Delegate", on_delete=models.CASCADE, related_name="+")
    # Repeats the delegate's site so a grader's queue is one indexed filter.
    site = models.ForeignKey("sites.Site", on_delete=models.CASCADE, related_name="+")
    answers = models.JSONField(default=list)
    file_path = models.CharField(max_length=300, blank=True)
    file_name = models.CharField(max_length=255, blank=True)
    file_kind = models.CharField(max_length=8, blank=True)
    status = models.CharField(
        max_length=10, choices=ReportStatus.choices, default=ReportStatus.DRAFT
    )
    updated_at = models.DateTimeField()
    submitted_at = models.DateTimeField(null=True, blank=True)
    score = models.PositiveIntegerField(null=True, blank=True)
    comment = models.TextField(blank=True)
    graded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    graded_at = models.DateTimeField(null=True, blank=True)
    # The reader assigned to the report's current reading (first or second); None: anyone in
    # scope may take it from the queue.
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    assigned_at = models.DateTimeField(null=True, blank=True)
    # The two readings kept apart from the final `score` (which completion reads).
    first_score = models.PositiveIntegerField(null=True, blank=True)
    first_comment = models.TextField(blank=True)
    first_grader = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    second_score = models.PositiveIntegerField(null=True, blank=True)
    second_comment = models.TextField(blank=True)
    second_grader = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    settled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["delegate", "conference"], name="assessment_one_reflection"
            )
        ]
        indexes = [
            models.Index(fields=["conference", "status", "site"]),
            models.Index(
                fields=["conference", "assigned_to", "status"], name="assessment_refl_assigned"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.delegate_id} / {self.conference_id}"


class SentQuestion(models.Model):
    """A report's answer sent to the questions pipeline: once per answer, whoever clicks."""

    reflection = models.ForeignKey(Reflection, on_delete=models.CASCADE, related_name="sent")
    answer_index = models.PositiveSmallIntegerField()
    question = models.ForeignKey("questions.Question", on_delete=models.CASCADE, related_name="+")
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sent_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["reflection", "answer_index"], name="assessment_answer_sent_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.reflection_id}/{self.answer_index} → {self.question_id}"


class Certificate(models.Model):
    conference = models.ForeignKey(
        "programme.Conference", on_delete=models.PROTECT, related_name="+"
    )
    delegate = models.ForeignKey("delegates.Delegate", on_delete=models.PROTECT, related_name="+")
    holder_name = models.CharField(max_length=200)  # as printed, kept if the delegate is renamed
    issued_on = models.DateField()
    code = models.CharField(max_length=200, unique=True)
    pdf_path = models.CharField(max_length=300, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoke_reason = models.CharField(max_length=255, blank=True)
    replaced_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["delegate", "conference"],
                condition=Q(revoked_at__isnull=True),
                name="assessment_one_valid_certificate",
            )
        ]

    def __str__(self) -> str:
        return self.code


from diemcau.assessment.models_completion import CompletionSite  # noqa: E402, F401 - completion counters

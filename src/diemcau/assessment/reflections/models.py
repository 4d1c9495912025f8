"""The learning report's tables: the report with its readings, and answers sent to questions
(imported into assessment.models)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


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

"""The quiz's tables: the question bank and each attempt (imported into assessment.models).

An attempt keeps the questions it drew (ids in order, seeded per delegate) so that a bank edited
later cannot change what a delegate was asked; answers live in one JSON column so a save is one
UPDATE, however many questions are answered at once.
"""

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _


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

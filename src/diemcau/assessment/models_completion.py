"""Completion counters: per conference and site, how many delegates meet each condition.

Why a table: the national roll-up reads 11,000 rows instead of judging 1.5 million delegates
(three grouped scans, seconds). A row is recounted from the source tables, never nudged by
+1/-1, so it cannot drift: whatever changes a delegate's status (a quiz passed, a report
graded, a check-in counted or annulled, delegates imported, the rule edited) only marks the
site's row `stale`, one cheap UPDATE in the writer's transaction, and completion_counters
recounts stale rows in bulk (on read, within a time budget, and by the management command).
"""

from typing import Any

from django.db import models
from django.db.models.signals import post_save

from diemcau.attendance.signals import checkins_changed
from diemcau.delegates.signals import delegates_changed


class CompletionSite(models.Model):
    conference = models.ForeignKey(
        "programme.Conference", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    site = models.ForeignKey("sites.Site", on_delete=models.CASCADE, related_name="+")
    delegates = models.IntegerField(default=0)
    attended = models.IntegerField(default=0)  # attended at least the rule's N sessions
    quiz_passed = models.IntegerField(default=0)
    report_graded = models.IntegerField(default=0)  # graded, whatever the score
    report_passed = models.IntegerField(default=0)  # graded at least the rule's M
    completed = models.IntegerField(default=0)
    stale = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["conference", "site"], name="assessment_completion_site_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.conference_id} / {self.site_id}: {self.completed}/{self.delegates}"


def _report_saved(sender: Any, instance: Any, **kwargs: Any) -> None:
    """A graded (or regraded) report can change the delegate's completion."""
    from diemcau.assessment import completion_counters
    from diemcau.assessment.models import ReportStatus

    # A regrade may move a report back to a second reading or a dispute: each of these can
    # change whether the delegate's report counts, so every one marks the site.
    if instance.status in (ReportStatus.GRADED, ReportStatus.SECOND, ReportStatus.DISPUTED):
        completion_counters.mark_sites(instance.conference_id, [instance.site_id])


def _settings_saved(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    """The rule (N sessions, quiz, M) may have changed: every site of the conference."""
    from diemcau.assessment import completion_counters

    if not created:
        completion_counters.mark_conference(instance.conference_id)


def _delegates_changed(sender: Any, site_ids: list[int], **kwargs: Any) -> None:
    from diemcau.assessment import completion_counters

    completion_counters.mark_sites(None, site_ids)


def _checkins_changed(sender: Any, delegate_ids: list[int], **kwargs: Any) -> None:
    """Check-ins counted or annulled (attendance.signals), in the writing transaction."""
    from diemcau.assessment import completion_counters

    completion_counters.mark_delegates(delegate_ids)


post_save.connect(_report_saved, sender="assessment.Reflection", dispatch_uid="completion.report")
post_save.connect(
    _settings_saved, sender="assessment.AssessmentSettings", dispatch_uid="completion.settings"
)
delegates_changed.connect(_delegates_changed, dispatch_uid="completion.delegates")
checkins_changed.connect(_checkins_changed, dispatch_uid="completion.checkins")

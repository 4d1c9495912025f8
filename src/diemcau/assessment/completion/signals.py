"""What marks the completion counters stale: a report graded, the rule edited, delegates imported
or moved, check-ins counted or annulled, a recording watched (catch-up) or its rule edited.
Connected once, in AssessmentConfig.ready()."""

from typing import Any

from django.db.models.signals import post_save

from diemcau.assessment.completion import counters as completion_counters
from diemcau.assessment.models import ReportStatus
from diemcau.attendance.signals import checkins_changed
from diemcau.delegates.signals import delegates_changed


def _report_saved(sender: Any, instance: Any, **kwargs: Any) -> None:
    """A graded (or regraded) report can change the delegate's completion."""
    # A regrade may move a report back to a second reading or a dispute: each of these can
    # change whether the delegate's report counts, so every one marks the site.
    if instance.status in (ReportStatus.GRADED, ReportStatus.SECOND, ReportStatus.DISPUTED):
        completion_counters.mark_sites(instance.conference_id, [instance.site_id])


def _settings_saved(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    """The rule (N sessions, quiz, M) may have changed: every site of the conference."""
    if not created:
        completion_counters.mark_conference(instance.conference_id)


def _delegates_changed(sender: Any, site_ids: list[int], **kwargs: Any) -> None:
    """Delegates imported, added or moved (delegates.signals), in the writing transaction."""
    completion_counters.mark_sites(None, site_ids)


def _checkins_changed(sender: Any, delegate_ids: list[int], **kwargs: Any) -> None:
    """Check-ins counted or annulled (attendance.signals), in the writing transaction."""
    completion_counters.mark_delegates(delegate_ids)


def _watched_saved(sender: Any, instance: Any, **kwargs: Any) -> None:
    """Minutes of a recording credited (catch-up): the share may have crossed the rule."""
    completion_counters.mark_delegates([instance.delegate_id])


def _catchup_rule_saved(sender: Any, instance: Any, **kwargs: Any) -> None:
    completion_counters.mark_conference(instance.conference_id)


def connect() -> None:
    """Once, from AssessmentConfig.ready(); dispatch_uid keeps a second call harmless."""
    post_save.connect(
        _report_saved, sender="assessment.Reflection", dispatch_uid="completion.report"
    )
    post_save.connect(
        _settings_saved, sender="assessment.AssessmentSettings", dispatch_uid="completion.settings"
    )
    post_save.connect(
        _watched_saved, sender="assessment.CatchUpView", dispatch_uid="completion.catchup"
    )
    post_save.connect(
        _catchup_rule_saved, sender="assessment.CatchUpRule", dispatch_uid="completion.catchup_rule"
    )
    delegates_changed.connect(_delegates_changed, dispatch_uid="completion.delegates")
    checkins_changed.connect(_checkins_changed, dispatch_uid="completion.checkins")

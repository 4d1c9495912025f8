"""Completion counters: per conference and site, how many delegates meet each condition.

Why a table: the national roll-up reads 11,000 rows instead of judging 1.5 million delegates
(three grouped scans, seconds). A row is recounted from the source tables, never nudged by
+1/-1, so it cannot drift: whatever changes a delegate's status (a quiz passed, a report
graded, a check-in counted or annulled, delegates imported, the rule edited) only marks the
site's row `stale`, one cheap UPDATE in the writer's transaction, and counters.py
recounts stale rows in bulk (on read, within a time budget, and by the management command).
"""

from django.db import models


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
    # Seconds of recordings the site's delegates watched in the conference's sessions (catch-up,
    # credited ranges): the dashboard's "Xem lại" column, in minutes.
    watched_s = models.BigIntegerField(default=0, db_default=0)
    stale = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["conference", "site"], name="assessment_completion_site_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.conference_id} / {self.site_id}: {self.completed}/{self.delegates}"

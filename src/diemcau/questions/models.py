"""Questions (vướng mắc) from sites, their clusters of paraphrases, sectors and answers.

A question belongs to one cluster; a cluster is answered once and its answer reaches every site
whose question is in it. The route (which sector answers) and the answer live on the cluster;
each question's status mirrors its cluster so a site's list reads simply.
"""

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from diemcau.textnorm import fold, nfc


class Sector(models.Model):
    code = models.SlugField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    keywords = models.TextField(
        _("keywords"), blank=True, help_text=_("Words describing the sector; they seed routing.")
    )
    order = models.PositiveIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ("order", "code")
        verbose_name = _("sector")
        verbose_name_plural = _("sectors")

    def __str__(self) -> str:
        return self.name


class QuestionStatus(models.TextChoices):
    """The labels carry a context: a bare "New" is another app's "add new" ("Thêm mới"), and
    Django merges every app's catalogue into one, so the first app listed would win."""

    NEW = "new", pgettext_lazy("question status", "New")
    ROUTED = "routed", pgettext_lazy("question status", "Routed")
    ANSWERED = "answered", pgettext_lazy("question status", "Answered")
    PUBLISHED = "published", pgettext_lazy("question status", "Published")
    REJECTED = "rejected", pgettext_lazy("question status", "Rejected")


class Cluster(models.Model):
    proposed_sector = models.ForeignKey(
        Sector, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    confidence = models.FloatField(_("confidence"), null=True, blank=True)
    sector = models.ForeignKey(
        Sector,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="clusters",
        help_text=_("The sector a moderator confirmed."),
    )
    routed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    routed_at = models.DateTimeField(_("routed at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Kept by database triggers on the questions (questions.upkeep), whatever writes them
    # (intake, merge, split, reject, bulk loads): the moderation list ranks on them through an
    # index instead of counting 50,000 questions on every page.
    live_sites = models.IntegerField(_("asking sites"), default=0, editable=False)
    live_questions = models.IntegerField(_("live questions"), default=0, editable=False)

    class Meta:
        verbose_name = _("question cluster")
        verbose_name_plural = _("question clusters")
        indexes = [
            models.Index(fields=["-live_sites", "-live_questions", "id"], name="cluster_rank"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Never write the tallies back: the triggers own them and this copy may be stale."""
        if not self._state.adding and kwargs.get("update_fields") is None:
            kwargs["update_fields"] = [
                f.name
                for f in self._meta.concrete_fields
                if not f.primary_key and f.name not in TALLIES
            ]
        super().save(*args, **kwargs)


TALLIES = ("live_sites", "live_questions")


class ClusterSite(models.Model):
    """How many live questions one site has in one cluster: what makes `live_sites` exact.

    Written only by the triggers of questions.upkeep; a row goes when its count reaches zero.
    """

    cluster = models.ForeignKey(
        Cluster, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    site_id = models.IntegerField()
    n = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["cluster", "site_id"], name="cluster_site_once")
        ]

    def __str__(self) -> str:
        return f"#{self.cluster_id} · {self.site_id}: {self.n}"


class Question(models.Model):
    text = models.TextField(_("question"))
    text_folded = models.TextField(editable=False, default="")
    site = models.ForeignKey("sites.Site", on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")
    session = models.ForeignKey(
        "programme.Session", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    topic = models.ForeignKey(
        "programme.Topic", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    asker_name = models.CharField(
        _("asked by"), max_length=200, blank=True, help_text=_("Empty for an anonymous question.")
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=QuestionStatus.choices, default=QuestionStatus.NEW
    )
    reject_reason = models.TextField(_("reason for rejection"), blank=True)
    cluster = models.ForeignKey(
        Cluster, null=True, blank=True, on_delete=models.SET_NULL, related_name="questions"
    )
    similarity = models.FloatField(
        _("similarity"),
        null=True,
        blank=True,
        help_text=_("Cosine with which the question joined its cluster automatically."),
    )
    client_id = models.CharField(
        _("client id"),
        max_length=64,
        blank=True,
        help_text=_(
            "Chosen by the site console, so a question resent after a lost reply is kept once."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-created_at", "-pk")
        constraints = [
            models.UniqueConstraint(
                fields=["site", "client_id"],
                condition=~models.Q(client_id=""),
                name="question_client_id_once_per_site",
            )
        ]
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        indexes = [
            models.Index(fields=["site", "created_at"]),
            models.Index(fields=["status"]),
            # A cluster's first questions (its title, the five shown in lists) without sorting
            # the thousands a widely asked cluster holds; site and status make it covering for
            # an organiser's "first five of mine", read without touching the rows.
            models.Index(
                fields=["cluster", "created_at", "id", "site", "status"],
                name="question_cluster_order",
            ),
        ]

    def __str__(self) -> str:
        return self.text[:80]

    def save(self, *args: object, **kwargs: object) -> None:
        self.text = nfc(self.text)
        self.text_folded = fold(self.text)
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class Answer(models.Model):
    cluster = models.OneToOneField(Cluster, on_delete=models.CASCADE, related_name="answer")
    sector = models.ForeignKey(Sector, on_delete=models.PROTECT, related_name="answers")
    text = models.TextField(_("answer"))
    text_folded = models.TextField(editable=False, default="")
    legal_references = models.JSONField(
        _("legal references"), default=list, blank=True, help_text=_("Documents cited.")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        indexes = [
            # The knowledge base's order: its first page (and the titles it computes) read
            # from the index instead of sorting every published answer.
            models.Index(fields=["-published_at", "id"], name="answer_kb_order"),
        ]

    def __str__(self) -> str:
        return self.text[:80]


class LessonKind(models.TextChoices):
    SAME = "same", _("Same question (merge)")
    DIFFERENT = "different", _("Different questions (split)")
    SYNONYM = "synonym", _("Synonym")


class Lesson(models.Model):
    """What a moderator taught the duplicate engine; revoking one undoes its effect.

    A merge records the merged-in questions (`questions`) beside the target's (`others`): later
    questions are compared with both groups, so a paraphrase of either side joins by itself. A
    split records the questions split off beside those left: a later question closer to the
    split-off ones no longer joins the cluster they left. A synonym (`phrase` = `other_phrase`)
    joins the thesaurus (data/thesaurus.json) for every later comparison and route.
    """

    kind = models.CharField(_("kind"), max_length=16, choices=LessonKind.choices)
    questions = models.JSONField(_("questions"), default=list, blank=True)
    others = models.JSONField(_("other questions"), default=list, blank=True)
    phrase = models.CharField(_("phrase"), max_length=200, blank=True)
    other_phrase = models.CharField(
        _("means the same as"),
        max_length=200,
        blank=True,
        help_text=_("A phrase the thesaurus already knows, or any phrase."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-pk")
        verbose_name = _("engine lesson")
        verbose_name_plural = _("engine lessons")

    def __str__(self) -> str:
        if self.kind == LessonKind.SYNONYM:
            return f"{self.phrase} = {self.other_phrase}"
        return f"{self.kind} {self.questions} / {self.others}"


class MergeProposalBatch(models.Model):
    """One computation of the merge proposals (services.merge_offers.compute): its time.

    The batch look costs seconds of CPU at a full conference's scale; the proposals page and the
    API read the last batch instead of computing it per visit. Only the newest batch is kept.
    """

    computed_at = models.DateTimeField(_("computed at"))
    # The newest question the batch looked at: questions above it arrived since (the automatic
    # refresh counts them), questions up to it are what each stored cluster's size counted.
    last_question = models.IntegerField(default=0)
    # When a page view queued the automatic refresh (services.merge_refresh): set by one
    # conditional UPDATE, so however many views see the batch old, one of them queues it.
    refresh_queued_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("merge proposal batch")
        verbose_name_plural = _("merge proposal batches")

    def __str__(self) -> str:
        return f"{self.computed_at:%Y-%m-%d %H:%M}"


class StoredMergeProposal(models.Model):
    """A proposal of the last batch, best first (`rank`), with what each cluster was then.

    The row outlives its clusters (no cascade, no constraint): a pair whose cluster was merged
    away or deleted since must still be counted as outdated on the page, not silently vanish.
    `*_first` is each cluster's first question (where it went tells a pair merged as proposed
    from one merged elsewhere) and `*_size` its live questions then (fewer now: it lost some),
    see services.merge_freshness.
    """

    batch = models.ForeignKey(MergeProposalBatch, on_delete=models.CASCADE, related_name="rows")
    target = models.ForeignKey(
        Cluster, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    source = models.ForeignKey(
        Cluster, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    score = models.FloatField(_("score"))
    rank = models.PositiveIntegerField()
    target_first = models.IntegerField(default=0)
    source_first = models.IntegerField(default=0)
    target_size = models.IntegerField(default=0)
    source_size = models.IntegerField(default=0)

    class Meta:
        ordering = ("rank",)
        indexes = [models.Index(fields=["batch", "rank"], name="merge_proposal_rank")]

    def __str__(self) -> str:
        return f"#{self.target_id} ← #{self.source_id} ({self.score:.3f})"


class MergeDismissal(models.Model):
    """A moderator's "not one question" for a proposed pair: never offered again until undone
    (undoing deletes the row; both are recorded in the audit trail)."""

    target = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="+")
    source = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="+")
    dismissed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    dismissed_at = models.DateTimeField(_("dismissed at"), auto_now_add=True)

    class Meta:
        ordering = ("-dismissed_at", "-pk")
        constraints = [
            models.UniqueConstraint(fields=["target", "source"], name="merge_dismissed_once")
        ]
        verbose_name = _("dismissed merge proposal")
        verbose_name_plural = _("dismissed merge proposals")

    def __str__(self) -> str:
        return f"#{self.target_id} ≠ #{self.source_id}"

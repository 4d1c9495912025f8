"""Admin pages: the sector list is edited here (names, keywords that seed routing, order), and
the engine's lessons (a moderator's synonyms; any lesson revoked)."""

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from diemcau.questions import feedback
from diemcau.questions.models import Answer, Cluster, Lesson, Question, Sector


@admin.register(Sector)
class SectorAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "order", "is_active")
    list_editable = ("order", "is_active")
    search_fields = ("code", "name")


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    list_display = ("pk", "text", "site", "status", "cluster", "created_at")
    list_filter = ("status",)
    search_fields = ("text_folded",)
    raw_id_fields = ("site", "unit", "session", "topic", "entered_by", "cluster")


@admin.register(Cluster)
class ClusterAdmin(admin.ModelAdmin):
    list_display = ("pk", "proposed_sector", "confidence", "sector", "routed_at")
    list_filter = ("sector",)
    raw_id_fields = ("routed_by",)


@admin.register(Answer)
class AnswerAdmin(admin.ModelAdmin):
    list_display = ("cluster", "sector", "published_at")
    list_filter = ("sector",)
    raw_id_fields = ("cluster", "author")


@admin.register(Lesson)
class LessonAdmin(admin.ModelAdmin):
    """What moderators taught the duplicate engine; a synonym is added here, any lesson revoked."""

    list_display = ("pk", "kind", "phrase", "other_phrase", "questions", "others", "revoked_at")
    list_filter = ("kind",)
    fields = ("kind", "phrase", "other_phrase", "questions", "others", "revoked_at")
    actions = ("revoke",)

    @admin.action(description=_("Revoke the selected lessons"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[Lesson]) -> None:
        for lesson in queryset:
            feedback.revoke(lesson.pk)

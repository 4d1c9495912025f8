"""Admin pages: the sector list is edited here (names, keywords that seed routing, order)."""

from django.contrib import admin

from diemcau.questions.models import Answer, Cluster, Question, Sector


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

"""Admin views of the programme, for inspection; organisers edit through the programme pages."""

from django.contrib import admin

from diemcau.programme.models import (
    Conference,
    Day,
    Material,
    MaterialDownload,
    Session,
    Speaker,
    Topic,
)


@admin.register(Conference)
class ConferenceAdmin(admin.ModelAdmin):
    list_display = ("name", "starts_on", "ends_on", "host", "published_at")


@admin.register(Day)
class DayAdmin(admin.ModelAdmin):
    list_display = ("date", "conference", "title")


@admin.register(Session)
class SessionAdmin(admin.ModelAdmin):
    list_display = ("title", "day", "starts_at", "ends_at", "status", "changed_at")


@admin.register(Speaker)
class SpeakerAdmin(admin.ModelAdmin):
    list_display = ("name", "title", "organisation")
    search_fields = ("name", "organisation")


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ("number", "title", "session", "order", "is_sample", "changed_at")
    list_filter = ("is_sample",)


@admin.register(Material)
class MaterialAdmin(admin.ModelAdmin):
    list_display = ("title", "topic", "kind", "version", "size", "uploaded_at")
    readonly_fields = ("sha256", "size", "version", "path")


@admin.register(MaterialDownload)
class MaterialDownloadAdmin(admin.ModelAdmin):
    list_display = ("material", "site", "version", "at")

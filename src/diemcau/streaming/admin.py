from django.contrib import admin

from diemcau.streaming.models import Relay, SiteKey, Stream


@admin.register(Stream)
class StreamAdmin(admin.ModelAdmin):
    list_display = ("name", "title", "state", "state_since", "restarts", "last_segment_at")
    readonly_fields = ("state", "state_since", "restarts", "last_segment_at", "state_detail")


@admin.register(Relay)
class RelayAdmin(admin.ModelAdmin):
    list_display = ("code", "base_url", "capacity_mbps", "enabled", "health", "health_checked_at")
    readonly_fields = ("health", "health_checked_at", "health_error")
    filter_horizontal = ("provinces",)


@admin.register(SiteKey)
class SiteKeyAdmin(admin.ModelAdmin):
    list_display = ("site", "version", "revoked_at")
    raw_id_fields = ("site",)

"""The audit trail in Django's admin: read-only, like everywhere else.

auditlog registers its own admin for the log entry model (here audit.Entry); it still lets a
cascade delete through. This one replaces it: view only, for superusers.
"""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from diemcau.audit.models import Entry

if admin.site.is_registered(Entry):
    admin.site.unregister(Entry)


@admin.register(Entry)
class EntryAdmin(admin.ModelAdmin):
    list_display = ["timestamp", "actor_label", "remote_addr", "action", "event", "subject",
                    "object_repr", "province"]  # fmt: skip
    list_filter = ["action", "event", "subject"]
    search_fields = ["object_repr", "actor_label", "detail"]
    date_hierarchy = "timestamp"
    list_select_related = ["province"]
    actions = None

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

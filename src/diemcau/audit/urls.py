"""Pages of the audit trail: /audit/ (search), /audit/<id>/, /audit/export.xlsx."""

from django.urls import path

from diemcau.audit import views

app_name = "audit"
urlpatterns = [
    path("", views.entry_list, name="list"),
    path("export.xlsx", views.entry_export, name="export"),
    path("<int:entry_id>/", views.entry_detail, name="detail"),
]

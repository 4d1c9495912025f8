from django.urls import path

from diemcau.reports import views

app_name = "reports"
urlpatterns = [
    path("", views.report_page, name="report"),
    path("freeze/", views.freeze_page, name="freeze"),
    path("export/", views.export_page, name="export"),
    path("export/<uuid:task_id>/", views.export_file, name="export_file"),
    path("snapshots/<int:pk>/", views.snapshot_page, name="snapshot"),
]

from django.urls import path

from diemcau.exports import views

app_name = "exports"
urlpatterns = [
    path("", views.export_index, name="index"),
    path("file/<uuid:task_id>/", views.export_file, name="file"),
    path("paper-list/", views.paperlist_page, name="paperlist"),
    path("paper-list/<uuid:task_id>/record/", views.paperlist_record, name="paperlist_record"),
    path("<slug:identifier>/", views.export_start, name="start"),
]

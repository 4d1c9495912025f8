from django.urls import path

from diemcau.delegates import views

app_name = "delegates"
urlpatterns = [
    path("", views.delegate_list, name="list"),
    path("import/", views.delegate_import, name="import"),
    path("import/template.xlsx", views.delegate_template, name="template"),
    path("badges/", views.delegate_badges, name="badges"),
    path("badges/<uuid:task_id>.pdf", views.delegate_badges_file, name="badges_file"),
    path("<str:code>/", views.delegate_detail, name="detail"),
    path("<str:code>/badge/revoke/", views.delegate_revoke, name="revoke"),
]

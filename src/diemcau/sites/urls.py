from django.urls import path

from diemcau.sites import views

app_name = "sites"
urlpatterns = [
    path("", views.site_list, name="list"),
    path("new/", views.site_create, name="create"),
    path("import/", views.site_import, name="import"),
    path("import/template.xlsx", views.site_template, name="template"),
    path("export.<str:fmt>", views.site_export, name="export"),
    path("<str:code>/", views.site_detail, name="detail"),
    path("<str:code>/edit/", views.site_edit, name="edit"),
]

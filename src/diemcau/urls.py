from django.contrib import admin
from django.urls import include, path

from diemcau.api import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("programme/", include("diemcau.programme.urls")),
    path("tasks/", include("diemcau.tasks.urls")),
    path("operations/", include("diemcau.operations.urls")),
    path("", include("diemcau.web.urls")),
]

from django.urls import path

from diemcau.console import views

app_name = "console"
urlpatterns = [
    path("", views.index, name="index"),
    path("sw.js", views.service_worker, name="sw"),
    path("<str:code>/", views.site_console, name="site"),
]

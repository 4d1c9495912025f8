from django.urls import path

from diemcau.console import views, views_links

app_name = "console"
urlpatterns = [
    path("", views.index, name="index"),
    path("sw.js", views.service_worker, name="sw"),
    path("k/<str:token>/", views_links.open_link, name="open_link"),
    path("links/", views_links.links_page, name="links"),
    path("links/export/", views_links.links_export, name="links_export"),
    path("links/reissue/", views_links.links_reissue, name="links_reissue"),
    path("<str:code>/", views.site_console, name="site"),
    path("<str:code>/live/", views.site_live, name="live"),
]

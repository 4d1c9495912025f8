from django.urls import path

from diemcau.operations import views, views_incidents, views_rehearsals, views_sites

app_name = "operations"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("sites/", views_sites.site_list, name="sites"),
    path("sites/export.<str:fmt>", views_sites.site_export, name="sites_export"),
    path("map/", views_sites.province_map, name="map"),
    path("map/<str:code>/", views_sites.breakdown, name="breakdown"),
    path("incidents/", views_incidents.incident_list, name="incidents"),
    path("incidents/open/", views_incidents.incident_open, name="incident_open"),
    path("incidents/<int:pk>/", views_incidents.incident_detail, name="incident"),
    path("incidents/<int:pk>/assign/", views_incidents.incident_assign, name="incident_assign"),
    path("incidents/<int:pk>/notes/", views_incidents.incident_note, name="incident_note"),
    path("incidents/<int:pk>/resolve/", views_incidents.incident_resolve, name="incident_resolve"),
    path("rehearsals/", views_rehearsals.rehearsal_list, name="rehearsals"),
    path("rehearsals/new/", views_rehearsals.rehearsal_schedule, name="rehearsal_schedule"),
    path("rehearsals/<int:pk>/", views_rehearsals.rehearsal_detail, name="rehearsal"),
    path("rehearsals/<int:pk>/not-ready.csv", views_rehearsals.rehearsal_csv, name="rehearsal_csv"),
]

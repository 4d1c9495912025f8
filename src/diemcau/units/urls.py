from django.urls import path

from diemcau.units import views

app_name = "units"
urlpatterns = [
    path("", views.unit_list, name="list"),
    path("<str:code>/", views.unit_detail, name="detail"),
]

from django.urls import path

from diemcau.operations import views

app_name = "operations"
urlpatterns = [path("", views.dashboard, name="dashboard")]

from django.urls import path

from diemcau.assessment.completion import views as views_completion

app_name = "completion"
urlpatterns = [
    path("", views_completion.dashboard, name="dashboard"),
    path("export.xlsx", views_completion.export, name="export"),
]

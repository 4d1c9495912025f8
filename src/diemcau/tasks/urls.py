from django.urls import path

from diemcau.tasks import views

app_name = "tasks"
urlpatterns = [
    path("<uuid:task_id>/", views.task_detail, name="detail"),
]

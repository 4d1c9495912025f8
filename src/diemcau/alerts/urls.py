from django.urls import path

from diemcau.alerts import views

app_name = "alerts"
urlpatterns = [
    path("", views.rules_page, name="rules"),
    path("rules/", views.rule_save, name="rule_save"),
    path("reminders/", views.reminders_page, name="reminders"),
    path("reminders/new/", views.reminder_create, name="reminder_create"),
]

from django.urls import path

from diemcau.notifications import views

app_name = "notifications"
urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.compose, name="compose"),
    path("templates/", views.templates_page, name="templates"),
    path("opt-outs/", views.opt_outs_page, name="opt_outs"),
    path("<int:pk>/", views.message_detail, name="message"),
    path("<int:pk>/resume/", views.message_resume, name="resume"),
    path("<int:pk>/resend/", views.message_resend, name="resend"),
]

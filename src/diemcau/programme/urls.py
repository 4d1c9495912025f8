from django.urls import path

from diemcau.programme import views

app_name = "programme"
urlpatterns = [
    path("", views.conference_list, name="list"),
    path("new/", views.conference_create, name="create"),
    path("<int:pk>/", views.conference_detail, name="detail"),
    path("<int:pk>/edit/", views.conference_edit, name="edit"),
    path("<int:pk>/publish/", views.conference_publish, name="publish"),
    path("<int:pk>/agenda.pdf", views.agenda_pdf, name="pdf"),
    path("<int:pk>/agenda.ics", views.agenda_ics, name="ics"),
    path("<int:pk>/days/new/", views.day_create, name="day_create"),
    path("<int:pk>/sessions/new/", views.session_create, name="session_create"),
    path("<int:pk>/speakers/new/", views.speaker_create, name="speaker_create"),
    path("<int:pk>/topics/new/", views.topic_create, name="topic_create"),
    path("sessions/<int:pk>/edit/", views.session_edit, name="session_edit"),
    path("topics/<int:pk>/", views.topic_detail, name="topic"),
    path("topics/<int:pk>/edit/", views.topic_edit, name="topic_edit"),
    path("topics/<int:pk>/move/", views.topic_move, name="topic_move"),
    path("topics/<int:pk>/materials/new/", views.material_upload, name="material_upload"),
    path("materials/<int:pk>/", views.material_detail, name="material"),
    path("materials/<int:pk>/download/", views.material_download, name="download"),
]

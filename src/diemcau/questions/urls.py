from django.urls import path

from diemcau.questions import views

app_name = "questions"
urlpatterns = [
    path("", views.question_list, name="list"),
    path("ask/", views.ask, name="ask"),
    path("<int:question_id>/reject/", views.reject, name="reject"),
    path("moderate/", views.moderate, name="moderate"),
    path("clusters/<int:pk>/", views.cluster_detail, name="cluster"),
    path("clusters/<int:pk>/route/", views.route, name="route"),
    path("clusters/<int:pk>/merge/", views.merge, name="merge"),
    path("clusters/<int:pk>/split/", views.split, name="split"),
    path("clusters/<int:pk>/answer/", views.answer, name="answer"),
    path("clusters/<int:pk>/publish/", views.publish, name="publish"),
    path("answer/", views.answer_queue, name="queue"),
    path("live/<int:session_id>/", views.live, name="live"),
    path("live/<int:session_id>/top/", views.live_top, name="live_top"),
    path("sectors/", views.sector_list, name="sectors"),
    path("sectors/<slug:code>/", views.sector_edit, name="sector_edit"),
    path("sectors/<slug:code>/active/", views.sector_active, name="sector_active"),
]

# The public knowledge base (no sign-in), mounted at /hoi-dap/ by the project's urls.
knowledge_base = (
    [
        path("", views.kb_list, name="list"),
        path("<int:pk>/", views.kb_detail, name="detail"),
    ],
    "kb",
)

from django.urls import path

from diemcau.questions import views
from diemcau.questions.views import answering, knowledge, live, moderation, proposals, sectors

app_name = "questions"
urlpatterns = [
    path("", views.question_list, name="list"),
    path("ask/", views.ask, name="ask"),
    path("<int:question_id>/reject/", moderation.reject, name="reject"),
    path("moderate/", moderation.moderate, name="moderate"),
    path("moderate/merges/", proposals.merge_proposals, name="merge_proposals"),
    path("moderate/merges/compute/", proposals.compute, name="merge_proposals_compute"),
    path(
        "moderate/merges/<int:target>/<int:source>/dismiss/",
        proposals.dismiss,
        name="merge_proposal_dismiss",
    ),
    path(
        "moderate/merges/<int:target>/<int:source>/restore/",
        proposals.restore,
        name="merge_proposal_restore",
    ),
    path("clusters/<int:pk>/", moderation.cluster_detail, name="cluster"),
    path("clusters/<int:pk>/route/", moderation.route, name="route"),
    path("clusters/<int:pk>/merge/", moderation.merge, name="merge"),
    path("clusters/<int:pk>/split/", moderation.split, name="split"),
    path("clusters/<int:pk>/answer/", answering.answer, name="answer"),
    path("clusters/<int:pk>/publish/", answering.publish, name="publish"),
    path("answer/", answering.answer_queue, name="queue"),
    path("live/<int:session_id>/", live.live, name="live"),
    path("live/<int:session_id>/top/", live.live_top, name="live_top"),
    path("sectors/", sectors.sector_list, name="sectors"),
    path("sectors/<slug:code>/", sectors.sector_edit, name="sector_edit"),
    path("sectors/<slug:code>/active/", sectors.sector_active, name="sector_active"),
]

# The public knowledge base (no sign-in), mounted at /hoi-dap/ by the project's urls.
knowledge_base = (
    [
        path("", knowledge.kb_list, name="list"),
        path("<int:pk>/", knowledge.kb_detail, name="detail"),
    ],
    "kb",
)

"""The app's pages, assembled from its sub-packages' views; URL names and addresses are the
users' (bookmarks, printed links, QR codes) and do not follow the code's layout."""

from django.urls import path

from diemcau.assessment import views
from diemcau.assessment.certificates import views as certificate_views
from diemcau.assessment.certificates import views_public as public_views
from diemcau.assessment.certificates import views_template as template_views
from diemcau.assessment.completion import views as completion_views
from diemcau.assessment.delegate import views as delegate_views
from diemcau.assessment.delegate import views_links as links_views
from diemcau.assessment.quiz import views as quiz_views
from diemcau.assessment.reflections import views as reflections_views

app_name = "assessment"
urlpatterns = [
    path("", views.conference_list, name="list"),
    path("<int:conference_id>/", views.overview, name="overview"),
    path("<int:conference_id>/import/", quiz_views.import_bank, name="import"),
    path("template.xlsx", quiz_views.template, name="template"),
    path("links/", links_views.page, name="links"),
    path("links/sheet.pdf", links_views.sheet_pdf, name="links_pdf"),
    path("links/sheet.xlsx", links_views.sheet_xlsx, name="links_xlsx"),
    path("<int:conference_id>/grading/", reflections_views.queue, name="grading"),
    path("<int:conference_id>/grading/assign/", reflections_views.assign, name="assign"),
    path("<int:conference_id>/grading/rule/", reflections_views.rule, name="grading_rule"),
    path("reports/<int:report_id>/grade/", reflections_views.grade, name="grade"),
    path("reports/<int:report_id>/settle/", reflections_views.settle, name="settle"),
    path(
        "reports/<int:report_id>/answers/<int:index>/question/",
        reflections_views.send_question,
        name="send_question",
    ),
    path(
        "<int:conference_id>/certificates/template/",
        template_views.edit,
        name="certificate_template",
    ),
    path(
        "<int:conference_id>/certificates/template/preview.pdf",
        template_views.preview,
        name="certificate_preview",
    ),
    path(
        "<int:conference_id>/certificates/template/<str:which>/",
        template_views.image,
        name="certificate_image",
    ),
    path("reports/<int:report_id>/file/", reflections_views.report_file, name="report_file"),
    path("<int:conference_id>/completion/", completion_views.completion_page, name="completion"),
    path(
        "<int:conference_id>/certificates/", certificate_views.certificate_list, name="certificates"
    ),
    path("certificates/<int:certificate_id>/revoke/", certificate_views.revoke, name="revoke"),
    path("certificates/<int:certificate_id>/reissue/", certificate_views.reissue, name="reissue"),
    path("<int:conference_id>/certificates/site/", certificate_views.site_pdf, name="site_pdf"),
    path("<int:conference_id>/certificates/batch/", certificate_views.batch, name="batch"),
]

# The delegate's pages behind their personal link, mounted at /hoc-vien/ by the project's urls.
learner = (
    [
        path("<str:token>/", delegate_views.home, name="home"),
        path("<str:token>/xac-thuc/", delegate_views.unlock, name="unlock"),
        path("<str:token>/thoat/", delegate_views.leave, name="leave"),
        path("<str:token>/<int:conference_id>/", delegate_views.conference, name="conference"),
        path("<str:token>/<int:conference_id>/start/", delegate_views.start, name="start"),
        path(
            "<str:token>/<int:conference_id>/quiz/<str:attempt_id>/",
            delegate_views.attempt,
            name="attempt",
        ),
        path("<str:token>/<int:conference_id>/report/", delegate_views.report, name="report"),
        path(
            "<str:token>/<int:conference_id>/xem-lai/<int:recording_id>/",
            delegate_views.catchup,
            name="catchup",
        ),
        path(
            "<str:token>/<int:conference_id>/certificate.pdf",
            delegate_views.certificate,
            name="certificate",
        ),
    ],
    "learner",
)

# Public verification, mounted at /xac-minh/: the key page first, then any code.
verification = (
    [
        path("", public_views.public_key, name="public_key"),
        path("<str:code>/", public_views.verify, name="verify"),
    ],
    "verification",
)

from django.urls import path

from diemcau.assessment import (
    views,
    views_delegate,
    views_grading,
    views_public,
    views_template,
)

app_name = "assessment"
urlpatterns = [
    path("", views.conference_list, name="list"),
    path("<int:conference_id>/", views.overview, name="overview"),
    path("<int:conference_id>/import/", views.import_bank, name="import"),
    path("template.xlsx", views.template, name="template"),
    path("<int:conference_id>/grading/", views_grading.queue, name="grading"),
    path("<int:conference_id>/grading/assign/", views_grading.assign, name="assign"),
    path("<int:conference_id>/grading/rule/", views_grading.rule, name="grading_rule"),
    path("reports/<int:report_id>/grade/", views_grading.grade, name="grade"),
    path("reports/<int:report_id>/settle/", views_grading.settle, name="settle"),
    path(
        "reports/<int:report_id>/answers/<int:index>/question/",
        views_grading.send_question,
        name="send_question",
    ),
    path(
        "<int:conference_id>/certificates/template/",
        views_template.edit,
        name="certificate_template",
    ),
    path(
        "<int:conference_id>/certificates/template/preview.pdf",
        views_template.preview,
        name="certificate_preview",
    ),
    path(
        "<int:conference_id>/certificates/template/<str:which>/",
        views_template.image,
        name="certificate_image",
    ),
    path("reports/<int:report_id>/file/", views.report_file, name="report_file"),
    path("<int:conference_id>/completion/", views.completion_page, name="completion"),
    path("<int:conference_id>/certificates/", views.certificate_list, name="certificates"),
    path("certificates/<int:certificate_id>/revoke/", views.revoke, name="revoke"),
    path("certificates/<int:certificate_id>/reissue/", views.reissue, name="reissue"),
    path("<int:conference_id>/certificates/site/", views.site_pdf, name="site_pdf"),
    path("<int:conference_id>/certificates/batch/", views.batch, name="batch"),
]

# The delegate's pages behind their personal link, mounted at /hoc-vien/ by the project's urls.
learner = (
    [
        path("<str:token>/", views_delegate.home, name="home"),
        path("<str:token>/xac-thuc/", views_delegate.unlock, name="unlock"),
        path("<str:token>/thoat/", views_delegate.leave, name="leave"),
        path("<str:token>/<int:conference_id>/", views_delegate.conference, name="conference"),
        path("<str:token>/<int:conference_id>/start/", views_delegate.start, name="start"),
        path(
            "<str:token>/<int:conference_id>/quiz/<str:attempt_id>/",
            views_delegate.attempt,
            name="attempt",
        ),
        path("<str:token>/<int:conference_id>/report/", views_delegate.report, name="report"),
        path(
            "<str:token>/<int:conference_id>/certificate.pdf",
            views_delegate.certificate,
            name="certificate",
        ),
    ],
    "learner",
)

# Public verification, mounted at /xac-minh/: the key page first, then any code.
verification = (
    [
        path("", views_public.public_key, name="public_key"),
        path("<str:code>/", views_public.verify, name="verify"),
    ],
    "verification",
)

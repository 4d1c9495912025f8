from django.urls import path

from diemcau.assessment import views, views_delegate, views_public

app_name = "assessment"
urlpatterns = [
    path("", views.conference_list, name="list"),
    path("<int:conference_id>/", views.overview, name="overview"),
    path("<int:conference_id>/import/", views.import_bank, name="import"),
    path("template.xlsx", views.template, name="template"),
    path("<int:conference_id>/grading/", views.grading, name="grading"),
    path("reports/<int:report_id>/grade/", views.grade, name="grade"),
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

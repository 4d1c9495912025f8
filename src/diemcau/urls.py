from django.contrib import admin
from django.urls import include, path, re_path

from diemcau.api import api
from diemcau.api_errors import unknown_api_path
from diemcau.assessment import urls as assessment_urls
from diemcau.delegates.views_public import badge_link
from diemcau.metrics.views import metrics
from diemcau.questions.urls import knowledge_base

urlpatterns = [
    path("api/v1/", api.urls),
    re_path(r"^api/(?P<path>.*)$", unknown_api_path),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("diemcau.accounts.urls")),
    path("audit/", include("diemcau.audit.urls")),
    path("programme/", include("diemcau.programme.urls")),
    path("tasks/", include("diemcau.tasks.urls")),
    path("operations/", include("diemcau.operations.urls")),
    path("alerts/", include("diemcau.alerts.urls")),
    path("console/", include("diemcau.console.urls")),
    path("questions/", include("diemcau.questions.urls")),
    path("reports/", include("diemcau.reports.urls")),
    path("exports/", include("diemcau.exports.urls")),
    path("notifications/", include("diemcau.notifications.urls")),
    path("attendance/", include("diemcau.attendance.urls")),
    path("hoi-dap/", include(knowledge_base)),
    path("assessment/completion/", include("diemcau.assessment.completion.urls")),
    path("assessment/", include("diemcau.assessment.urls")),
    path("hoc-vien/", include(assessment_urls.learner)),
    path("xac-minh/", include(assessment_urls.verification)),
    path("d/<str:token>", badge_link, name="badge_link"),  # the address in a badge's QR
    path("metrics", metrics, name="metrics"),  # Prometheus, with DIEMCAU_METRICS_TOKEN
    path("", include("diemcau.web.urls")),
]

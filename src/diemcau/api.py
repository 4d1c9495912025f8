"""The REST API root: /api/v1, OpenAPI at /api/v1/openapi.json.

People use their session (with CSRF), programs a bearer token. Every error answers
`{"detail", "fields"}` with a message in the request's language, and the OpenAPI document lists
each operation's error answers with that one schema (api_errors.py).
"""

from typing import Any

from ninja import NinjaAPI
from ninja.openapi.schema import OpenAPISchema

from diemcau import api_errors
from diemcau.accounts.auth import BearerToken, SessionLogin


class DiemcauAPI(NinjaAPI):
    """django-ninja's API with the error answers added to the generated document."""

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        api_errors.document_errors(schema)
        return schema


api = DiemcauAPI(
    title="diemcau API",
    version="1",
    description=(
        "Sites (điểm cầu), administrative units and roles of a nationwide hybrid conference.\n\n"
        'Every error answers `{"detail": message, "fields": {field: message}}`.'
    ),
    auth=[BearerToken(), SessionLogin()],
    urls_namespace="api",
)
api_errors.install(api)


def _register() -> None:
    from diemcau.accounts.api import router as accounts_router
    from diemcau.accounts.api_people import router as people_router
    from diemcau.alerts.api import router as alerts_router
    from diemcau.assessment.api import router as assessment_router
    from diemcau.assessment.completion.api import router as completion_router
    from diemcau.attendance.api import checkins_router, headcounts_router
    from diemcau.attendance.api import router as attendance_router
    from diemcau.audit.api import router as audit_router
    from diemcau.delegates.api import router as delegates_router
    from diemcau.exports.api import router as exports_router
    from diemcau.exports.api_paperlist import router as paperlist_router
    from diemcau.notifications.api import router as notifications_router
    from diemcau.operations.api import heartbeats_router
    from diemcau.operations.api import router as operations_router
    from diemcau.operations.api_incidents import router as incidents_router
    from diemcau.operations.api_rehearsals import router as rehearsals_router
    from diemcau.programme.api import router as programme_router
    from diemcau.questions.api import router as questions_router
    from diemcau.reports.api import router as reports_router
    from diemcau.sites.api import router as sites_router
    from diemcau.streaming.api import router as streaming_router
    from diemcau.tasks.api import router as tasks_router
    from diemcau.units.api import router as units_router

    api.add_router("/units", units_router, tags=["units"])
    api.add_router("/sites", sites_router, tags=["sites"])
    api.add_router("/tasks", tasks_router, tags=["tasks"])
    api.add_router("/me", accounts_router, tags=["accounts"])
    api.add_router("/people", people_router, tags=["accounts"])
    api.add_router("/delegates", delegates_router, tags=["delegates"])
    api.add_router("/programme", programme_router, tags=["programme"])
    api.add_router("/questions", questions_router, tags=["questions"])
    api.add_router("/operations", operations_router, tags=["operations"])
    api.add_router("/heartbeats", heartbeats_router, tags=["operations"])
    api.add_router("/incidents", incidents_router, tags=["operations"])
    api.add_router("/rehearsals", rehearsals_router, tags=["operations"])
    api.add_router("/alerts", alerts_router, tags=["alerts"])
    api.add_router("/checkins", checkins_router, tags=["attendance"])
    api.add_router("/sites", headcounts_router, tags=["attendance"])
    api.add_router("/attendance", attendance_router, tags=["attendance"])
    api.add_router("/assessment", assessment_router, tags=["assessment"])
    api.add_router("/completion", completion_router, tags=["assessment"])
    api.add_router("/streaming", streaming_router, tags=["streaming"])
    api.add_router("/audit", audit_router, tags=["audit"])
    api.add_router("/reports", reports_router, tags=["reports"])
    api.add_router("/exports", exports_router, tags=["exports"])
    api.add_router("/attendance/paper-list", paperlist_router, tags=["attendance"])
    api.add_router("/notifications", notifications_router, tags=["notifications"])


_register()

"""An address under /api/ that no operation takes answers the API's JSON 404, never a page."""

import pytest


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/no-such-thing",
        "/api/v1/questions/clusters/-1000/split",  # a negative id the int route refuses
        "/api/v2/sites",
    ],
)
def test_unknown_api_address_answers_json_404(client, path):
    client.cookies["sessionid"] = "x"  # a browser's cookies: still 404 in JSON, not the CSRF page
    client.handler.enforce_csrf_checks = True
    answer = client.post(path, data={}, content_type="application/json")
    assert answer.status_code == 404
    assert answer["Content-Type"].startswith("application/json")
    assert answer.json() == {"detail": "Không tìm thấy.", "fields": {}}

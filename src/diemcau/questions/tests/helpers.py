from typing import Any

URL = "/api/v1/questions"


def ask(client: Any, site: str, text: str, **extra: Any) -> dict[str, Any]:
    response = client.post(
        f"{URL}/", {"site": site, "text": text, **extra}, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    return response.json()


def post(client: Any, path: str, data: dict[str, Any] | None = None) -> Any:
    return client.post(f"{URL}{path}", data or {}, content_type="application/json")


def put(client: Any, path: str, data: dict[str, Any]) -> Any:
    return client.put(f"{URL}{path}", data, content_type="application/json")

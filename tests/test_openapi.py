"""The OpenAPI document is honest: one schema per name, and every operation lists its errors.

django-ninja names a component after the Python class and, when two classes share a name,
silently keeps one of them: the other endpoint is then documented with the wrong schema (issue
16 found six such pairs). The walk below compares the schema classes the operations use with
their names, so a new clash fails here, whatever ninja does with it.
"""

import enum
import json
import re
import typing
from collections import defaultdict
from typing import Any

from pydantic import BaseModel

from diemcau.api import api
from diemcau.api_errors import ERROR_SCHEMA

METHODS = {"get", "put", "post", "delete", "patch"}


def _models(annotation: Any, found: set[type]) -> None:
    """Every named schema reachable from a type: pydantic models (their fields' too) and enums,
    which the document also lists by class name."""
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        found.add(annotation)
        return
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if annotation in found:
            return
        found.add(annotation)
        for field in annotation.model_fields.values():
            _models(field.annotation, found)
        return
    for arg in typing.get_args(annotation):
        _models(arg, found)


def _documented_models() -> set[type]:
    """The schema classes of every operation of every router, without ninja's own wrappers
    (parameter models, flattened into parameters, and the response wrapper)."""
    found: set[type] = set()
    for router in api._get_bound_routers():
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                for model in [*operation.models, *operation.response_models.values()]:
                    _models(model, found)
    return {
        m
        for m in found
        if not hasattr(m, "__ninja_param_source__") and m.__name__ != "NinjaResponseSchema"
    }


def test_no_two_schemas_share_a_name() -> None:
    by_name: dict[str, set[str]] = defaultdict(set)
    for model in _documented_models():
        by_name[model.__name__].add(f"{model.__module__}.{model.__qualname__}")
    clashes = {name: sorted(where) for name, where in by_name.items() if len(where) > 1}
    assert not clashes, clashes


def test_the_document_names_each_schema_once_and_resolves_every_reference() -> None:
    schema = api.get_openapi_schema()
    components = schema["components"]["schemas"]
    names = {m.__name__ for m in _documented_models()}
    assert set(components) - {ERROR_SCHEMA} <= names | {"MultiPartBodyParams"}
    refs = set(re.findall(r"#/components/schemas/([A-Za-z0-9_.-]+)", json.dumps(schema)))
    assert refs and refs <= set(components), refs - set(components)


def _operations() -> list[tuple[str, str, dict[str, Any]]]:
    schema = api.get_openapi_schema()
    return [
        (path, method, operation)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    ]


def test_every_operation_documents_its_error_answers_with_the_shared_schema() -> None:
    ref = {"$ref": f"#/components/schemas/{ERROR_SCHEMA}"}
    operations = _operations()
    assert len(operations) > 100
    for path, method, operation in operations:
        responses = {int(k): v for k, v in operation["responses"].items()}
        expected: set[int] = set()
        if operation.get("security"):
            expected |= {401, 403, 404, 429}
        if any(p["in"] == "path" for p in operation.get("parameters", [])):
            expected.add(404)
        if operation.get("parameters") or operation.get("requestBody"):
            expected.add(422)
        assert expected <= set(responses), (method, path, sorted(responses))
        for status in expected:
            content = responses[status]["content"]["application/json"]["schema"]
            assert content == ref or ref in content.get("anyOf", []), (method, path, status)


def test_an_import_keeps_its_report_of_bad_rows_beside_the_shared_error() -> None:
    operation = api.get_openapi_schema()["paths"]["/api/v1/delegates/import"]["post"]
    schema = operation["responses"][422]["content"]["application/json"]["schema"]
    assert schema == {
        "anyOf": [
            {"$ref": "#/components/schemas/DelegateImportReportOut"},
            {"$ref": f"#/components/schemas/{ERROR_SCHEMA}"},
        ]
    }


def test_paging_is_bounded_in_the_document() -> None:
    operation = api.get_openapi_schema()["paths"]["/api/v1/delegates"]["get"]
    params = {p["name"]: p["schema"] for p in operation["parameters"]}
    assert params["offset"]["minimum"] == 0 and params["offset"]["maximum"] > 1_500_000
    assert params["limit"]["minimum"] == 1 and params["limit"]["maximum"] == 1000

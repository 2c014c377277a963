"""The OpenAPI schema is complete: it validates without a single warning, and every operation
documents its input, each answer it can give (in the one error shape), its authentication and
its tag — enough to generate a client from it."""

from __future__ import annotations

import re
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.core.management import call_command
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

ERROR = {"$ref": "#/components/schemas/Error"}


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return SchemaGenerator().get_schema(request=None, public=True)


def operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
    ]


def test_spectacular_validates_without_warnings(tmp_path: Path) -> None:
    target = tmp_path / "schema.yml"
    call_command(
        "spectacular", "--validate", "--fail-on-warn", "--file", str(target), stdout=StringIO()
    )
    loaded = yaml.safe_load(target.read_text(encoding="utf-8"))
    assert loaded["openapi"].startswith("3.")
    assert len(loaded["paths"]) > 40


def test_operation_ids_are_unique_and_every_operation_is_tagged(schema: dict[str, Any]) -> None:
    ids = [op["operationId"] for _m, _p, op in operations(schema)]
    assert len(ids) == len(set(ids))
    assert all(op.get("tags") for _m, _p, op in operations(schema))
    assert all("." not in op["operationId"] for _m, _p, op in operations(schema))


def test_every_operation_documents_its_errors_and_rates(schema: dict[str, Any]) -> None:
    for method, path, op in operations(schema):
        responses = op["responses"]
        where = f"{method.upper()} {path}"
        assert any(code.startswith("2") for code in responses), where
        assert "429" in responses, where
        assert "Retry-After" in responses["429"]["headers"], where
        if op.get("security"):
            assert "401" in responses, where
        if "{" in path:
            assert "404" in responses, where
        if "requestBody" in op:
            assert "400" in responses, where
        for code, answer in responses.items():
            if code.startswith(("4", "5")):
                assert answer["content"]["application/json"]["schema"] == ERROR, (where, code)


def test_writes_document_their_request_bodies(schema: dict[str, Any]) -> None:
    without_input = {
        # Actions that take no input: the case (or question) and the actor say it all.
        "/api/cases/{tracking_no}/sign/",
        "/api/cases/{tracking_no}/start/",
        "/api/cases/{tracking_no}/approve-reply/",
        "/api/cases/{tracking_no}/publish-reply/",
        "/api/notifications/{id}/read/",
        "/api/auth/token/revoke/",
    }
    for method, path, op in operations(schema):
        if method == "post" and path not in without_input and "/dialogue" not in path:
            if "requestBody" not in op:
                assert path.endswith(("/vote/", "/approve/", "/publish/", "/support/")), path
                continue
            content = op["requestBody"]["content"]
            assert "application/json" in content, path
            ref = content["application/json"]["schema"]
            assert "$ref" in ref, path


def test_authentication_is_documented(schema: dict[str, Any]) -> None:
    schemes = schema["components"]["securitySchemes"]
    assert schemes["tokenAuth"]["name"] == "Authorization"
    assert "issue_api_token" in schemes["tokenAuth"]["description"]
    assert schemes["cookieAuth"]["name"] == "sessionid"
    assert "CSRF" in schemes["cookieAuth"]["description"]
    board = schema["paths"]["/api/board/"]["get"]
    assert {} not in board["security"]  # an account is needed
    cases = schema["paths"]["/api/cases/"]["get"]
    assert {} in cases["security"]  # visitors may read


def test_parameters_that_may_be_sent_empty_say_so(schema: dict[str, Any]) -> None:
    import json

    assert "x-allow-empty-value" not in json.dumps(schema)
    params = {
        p["name"]: p for p in schema["paths"]["/api/insights/performance/"]["get"]["parameters"]
    }
    assert params["period"]["allowEmptyValue"] is True
    assert params["start"]["allowEmptyValue"] is True
    # A page size must be a number: empty is refused.
    cases = {p["name"]: p for p in schema["paths"]["/api/cases/"]["get"]["parameters"]}
    assert "allowEmptyValue" not in cases["page_size"]
    assert cases["page_size"]["schema"] == {"type": "integer", "minimum": 1, "maximum": 100}


def test_open311_keeps_its_own_format_out_of_this_schema(schema: dict[str, Any]) -> None:
    assert not [p for p in schema["paths"] if p.startswith("/open311/")]


def test_schema_and_docs_are_served_without_an_account(db: None) -> None:
    client = APIClient()
    assert client.get("/api/schema/").status_code == 200
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "/static/drf_spectacular_sidecar/" in html
    # Every script is a file of ours (the policy allows no inline script); the start-up one
    # comes from the same address.
    scripts = re.findall(r"<script([^>]*)>", html)
    assert scripts
    assert all('src="/' in attrs for attrs in scripts), scripts
    start = client.get("/api/docs/?script=")
    assert start.status_code == 200
    assert start["Content-Type"].startswith("application/javascript")
    assert "/api/schema/" in start.content.decode()


def test_an_unknown_api_address_answers_in_the_error_shape(db: None) -> None:
    for path in ("/api/nothing-here/", "/api/dialogues/not-a-number/"):
        response = APIClient().get(path)
        assert response.status_code == 404
        assert response["Content-Type"] == "application/json"
        assert response.json() == {
            "error": {"code": "not_found", "message": "未找到。", "fields": {}}
        }
    page = APIClient().get("/no-such-page/")
    assert page.status_code == 404
    assert page["Content-Type"].startswith("text/html")

"""The OpenAPI document, and a schemathesis run against it: whatever a
client sends that the document allows (and much that it does not), the
server never answers with a 5xx."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode


def test_the_document_lists_every_resource_of_the_registry(kernel, client):
    doc = client.get("/api/v1/openapi.json").json()
    assert doc["openapi"].startswith("3.")
    assert doc["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    for key, (mount, crud) in kernel.registry.cruds.items():
        assert f"/api/v1/{mount}/{crud.noun}" in doc["paths"], key
        assert f"/api/v1/{mount}/{crud.noun}/{{id}}" in doc["paths"], key
    notes = doc["paths"]["/api/v1/notes/note/{id}/transitions/{transition}"]["post"]
    assert notes["parameters"][1]["schema"]["enum"] == ["publish"]
    create = doc["components"]["schemas"]["notes_expense_create"]
    assert create["required"] == ["title", "amount", "category"]
    assert create["properties"]["category"]["enum"] == ["travel", "meals", "equipment"]


def test_schemathesis_finds_no_server_error(kernel, make, token, note):
    root = make.user(username="root")
    for i in range(3):
        note(root, f"笔记{i}")
    auth = {"Authorization": f"Bearer {token(root)}"}
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", kernel.asgi())
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 10
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(max_examples=12, deadline=None, database=None, derandomize=True,
                      suppress_health_check=list(HealthCheck))
            def run(case: schemathesis.Case) -> None:
                response = case.call(headers=auth)
                if response.status_code >= 500:
                    failures.append(f"{case.method} {case.formatted_path} {case.query} {case.body!r}: "
                                    f"{response.status_code} {response.text[:200]}")

            run()
    assert not failures, "\n".join(failures[:20])

"""The OpenAPI document, and a schemathesis run against it: whatever a
client sends that the document allows (and much that it does not), on every
operation of every resource, the server never answers with a 5xx and its
answers are the ones the document describes (every check but one, below)."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import positive_data_acceptance

from tests.security.web_support import seed


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


#: what every answer is checked for: no server error, a documented status,
#: content type and headers, a body matching the document; a request the
#: document forbids is refused; one without credentials gets no data. Left
#: out: ``positive_data_acceptance`` (every request the document allows is
#: accepted): the document cannot say what the business rules refuse with a
#: 4xx naming the field (a choice of the database's, a link to an existing
#: record, an address a webhook may reach, a page cursor from a previous page).
EXCLUDED_CHECKS = [positive_data_acceptance]
#: examples per operation and mode (every operation: ~80 with the suite's plugins)
EXAMPLES = 8


def test_schemathesis_finds_no_server_error_and_no_schema_violation(kernel, make, token, note):
    root = make.user(username="root")
    for i in range(3):
        note(root, f"笔记{i}")
    hq = make.hq()
    seed(kernel, org_id=hq.id, owner_id=root.id, department_id=make.department(hq).id)  # id 1 everywhere
    auth = {"Authorization": f"Bearer {token(root)}"}
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", kernel.asgi())
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    covered = {op.path for op in operations}
    for mount, crud in kernel.registry.cruds.values():
        assert {f"/api/v1/{mount}/{crud.noun}", f"/api/v1/{mount}/{crud.noun}/{{id}}"} <= covered
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                      suppress_health_check=list(HealthCheck))
            def run(case: schemathesis.Case) -> None:
                try:
                    case.call_and_validate(headers=auth, excluded_checks=EXCLUDED_CHECKS)
                except (AssertionError, BaseExceptionGroup) as failed:
                    failures.append(f"{case.method} {case.formatted_path}: {failed}")

            run()
    assert not failures, f"{len(failures)} failures:\n" + "\n".join(failures[:10])

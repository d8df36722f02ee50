"""Optimistic locking through the API (RFC 9110 conditional requests): a
record's ``ETag`` is its version; a PATCH must name the version it read
(``If-Match``, or the ``version`` field); a stale ``If-Match`` is 412 naming
the current version, a stale ``version`` field 409, neither 428; nothing is
written by a refused request."""

from __future__ import annotations

from typing import Any

from core.db import SoftDeleteMixin, VersionedMixin


def _title(kernel: Any, ident: int) -> tuple[str, int]:
    from suanpan_notes.models import Note

    with kernel.db.session(write=False) as db:
        record = db.get(Note, ident)
        return record.title, record.version


def test_two_clients_patching_the_same_version_the_second_gets_412_then_succeeds_on_the_current(
        api: Any, make: Any, note: Any, kernel: Any) -> None:
    owner = make.user(username="root")
    ident = note(owner, "拜访准备")
    url = f"/api/v1/notes/note/{ident}"
    first, second = api(owner), api(owner)
    # both read version 1
    read = [c.get(url) for c in (first, second)]
    assert [r.headers["etag"] for r in read] == ['"1"', '"1"']
    # the first saves
    saved = first.patch(url, json={"title": "拜访准备（定稿）"}, headers={"If-Match": read[0].headers["etag"]})
    assert saved.status_code == 200, saved.text
    assert saved.headers["etag"] == '"2"' and saved.json()["version"] == 2
    # the second's save over version 1 is refused, naming version 2
    stale = second.patch(url, json={"title": "拜访准备（草稿）"}, headers={"If-Match": read[1].headers["etag"]})
    assert stale.status_code == 412
    assert stale.headers["content-type"].startswith("application/problem+json")
    problem = stale.json()
    assert problem["status"] == 412 and problem["current_version"] == 2
    assert problem["title"] == "该记录在您读取之后已被修改。"
    assert "2" in problem["detail"] and problem["errors"][0]["name"] == "version"
    assert stale.headers["etag"] == '"2"'
    assert _title(kernel, ident) == ("拜访准备（定稿）", 2)
    # read again, then the second's save goes through
    again = second.patch(url, json={"title": "拜访准备（草稿）"}, headers={"If-Match": stale.headers["etag"]})
    assert again.status_code == 200, again.text
    assert _title(kernel, ident) == ("拜访准备（草稿）", 3)


def test_a_patch_naming_no_version_is_428_and_writes_nothing(
        api: Any, make: Any, note: Any, kernel: Any) -> None:
    owner = make.user(username="root")
    ident = note(owner)
    c = api(owner)
    url = f"/api/v1/notes/note/{ident}"
    for headers in ({}, {"If-Match": ""}, {"If-Match": "*"}):
        refused = c.patch(url, json={"title": "改"}, headers=headers)
        assert refused.status_code == 428, (headers, refused.text)
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert refused.json()["errors"][0]["name"] == "version"
    assert _title(kernel, ident)[1] == 1


def test_if_match_takes_a_list_and_a_weakened_tag(api: Any, make: Any, note: Any, kernel: Any) -> None:
    owner = make.user(username="root")
    ident = note(owner)
    c = api(owner)
    url = f"/api/v1/notes/note/{ident}"
    assert c.patch(url, json={"title": "一"}, headers={"If-Match": '"7", "1"'}).status_code == 200
    assert c.patch(url, json={"title": "二"}, headers={"If-Match": 'W/"2"'}).status_code == 200
    assert c.patch(url, json={"title": "三"}, headers={"If-Match": '"1", "2"'}).status_code == 412
    assert _title(kernel, ident) == ("二", 3)


def test_a_stale_version_field_is_409_and_if_match_is_checked_first(
        api: Any, make: Any, note: Any, kernel: Any) -> None:
    owner = make.user(username="root")
    ident = note(owner)
    c = api(owner, )
    c.headers["Accept-Language"] = "en"
    url = f"/api/v1/notes/note/{ident}"
    assert c.patch(url, json={"title": "一", "version": 1}).status_code == 200
    stale = c.patch(url, json={"title": "二", "version": 1})
    assert stale.status_code == 409
    assert stale.json()["current_version"] == 2 and stale.headers["etag"] == '"2"'
    # a current If-Match with a stale field: the field is stale (409)
    assert c.patch(url, json={"title": "二", "version": 1}, headers={"If-Match": '"2"'}).status_code == 409
    # a stale If-Match with a current field: the precondition fails first (412)
    assert c.patch(url, json={"title": "二", "version": 2}, headers={"If-Match": '"1"'}).status_code == 412
    assert c.patch(url, json={"title": "二", "version": "x"}).status_code == 409
    assert _title(kernel, ident) == ("一", 2)


def test_get_answers_304_while_the_etag_is_current(api: Any, make: Any, note: Any) -> None:
    owner = make.user(username="root")
    ident = note(owner)
    c = api(owner)
    url = f"/api/v1/notes/note/{ident}"
    etag = c.get(url).headers["etag"]
    unchanged = c.get(url, headers={"If-None-Match": etag})
    assert unchanged.status_code == 304 and unchanged.headers["etag"] == etag and not unchanged.content
    assert c.patch(url, json={"title": "改"}, headers={"If-Match": etag}).status_code == 200
    changed = c.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] == '"2"'


def test_a_delete_and_a_transition_honour_if_match(api: Any, make: Any, note: Any, kernel: Any) -> None:
    owner = make.user(username="root")
    first, second = note(owner, "甲"), note(owner, "乙")
    c = api(owner)
    assert c.delete(f"/api/v1/notes/note/{first}", headers={"If-Match": '"5"'}).status_code == 412
    fired = c.post(f"/api/v1/notes/note/{second}/transitions/publish", json={}, headers={"If-Match": '"5"'})
    assert fired.status_code == 412 and fired.json()["current_version"] == 1
    assert _title(kernel, second) == ("乙", 1)
    assert c.delete(f"/api/v1/notes/note/{first}", headers={"If-Match": '"1"'}).status_code == 204
    assert c.post(f"/api/v1/notes/note/{second}/transitions/publish", json={},
                  headers={"If-Match": '"1"'}).status_code == 200


def test_the_document_describes_the_preconditions_of_every_versioned_resource(kernel: Any, client: Any) -> None:
    """Generated from the registry: every resource of every enabled plugin."""
    doc = client.get("/api/v1/openapi.json").json()
    assert "current_version" in doc["components"]["schemas"]["Problem"]["properties"]
    checked = 0
    for _key, (mount, crud) in sorted(kernel.registry.cruds.items()):
        item = doc["paths"][f"/api/v1/{mount}/{crud.noun}/{{id}}"]
        assert "ETag" in item["get"]["responses"]["200"]["headers"]
        assert "304" in item["get"]["responses"]
        if not issubclass(crud.model, VersionedMixin):
            continue
        patch = item["patch"]
        assert {"412", "428", "409"} <= set(patch["responses"]), crud.key
        assert [p["name"] for p in patch["parameters"]] == ["If-Match"]
        if issubclass(crud.model, SoftDeleteMixin):
            assert "412" in item["delete"]["responses"], crud.key
        checked += 1
    assert checked >= 10

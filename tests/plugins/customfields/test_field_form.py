"""The field definition form follows the kind: an administrator choosing a
kind sees only the inputs that kind takes (re-rendered by htmx from
``field_inputs``), the default as the record form will show it; and the
server checks whatever is posted against the kind all the same."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest
from sqlalchemy import select

from plugins.customfields.models import Field

NOTES = "/customfields/models/notes.note"
CHOICES = "vip|重要客户|Key account\nnormal|普通客户|Regular"


def _has_input(html: str, ident: str) -> bool:
    return f'id="{ident}"' in html


def test_the_form_for_a_link_offers_the_target_model_and_no_choices(client, admin):
    # when the administrator opens the form for a link, or switches the kind to link
    for page in (client.get(f"{NOTES}/new?kind=link").text, client.get(f"{NOTES}/inputs?kind=link").text):
        # then it asks which kind of record, and neither choices nor a default
        assert _has_input(page, "cf-ref") and 'value="notes.note"' in page
        assert not _has_input(page, "cf-choices") and 'name="default"' not in page
        assert _has_input(page, "cf-unique")


def test_the_form_for_a_choice_offers_the_choices_and_a_default_among_them(client, admin):
    query = urlencode({"kind": "choice", "choices": CHOICES, "default": "normal"})
    page = client.get(f"{NOTES}/inputs?{query}").text
    assert _has_input(page, "cf-choices") and not _has_input(page, "cf-ref")
    # the default is a select of the choices entered, in the reader's language
    default = re.search(r'<select[^>]*name="default"[^>]*>(.*?)</select>', page, re.S)
    assert default, page
    assert re.findall(r'<option value="(\w*)"', default.group(1)) == ["", "vip", "normal"]
    assert re.search(r'<option value="normal"\s+selected>普通客户', default.group(1))


def test_the_kind_select_reloads_the_inputs_on_change(client, admin):
    page = client.get(f"{NOTES}/new").text
    kind = re.search(r'<select[^>]*id="cf-kind"[^>]*>', page, re.S)
    assert kind and f'hx-get="{NOTES}/inputs"' in kind.group(0) and 'hx-trigger="change"' in kind.group(0)
    assert 'hx-target="#customfields-field-inputs"' in kind.group(0)
    assert 'id="customfields-field-inputs"' in page
    assert "<script" not in page.split('id="customfields-form"', 1)[1]


@pytest.mark.parametrize(("kind", "expected"), [
    ("text", r'<input[^>]*name="default"[^>]*type="text"'),
    ("number", r'<input[^>]*name="default"[^>]*inputmode="decimal"'),
    ("date", r'<input[^>]*name="default"[^>]*type="date"'),
    ("bool", r'<input[^>]*type="checkbox"[^>]*name="default"'),
    ("multi", r'<select[^>]*name="default\[\]"[^>]*multiple'),
])
def test_the_default_is_the_input_of_its_kind(client, admin, kind, expected):
    page = client.get(f"{NOTES}/inputs?{urlencode({'kind': kind, 'choices': CHOICES})}").text
    assert re.search(expected, page, re.S), page
    assert _has_input(page, "cf-unique") is (kind not in ("bool", "multi"))
    assert _has_input(page, "cf-choices") is (kind == "multi")


def test_switching_the_kind_keeps_a_default_only_where_it_fits(client, admin):
    kept = client.get(f"{NOTES}/inputs?{urlencode({'kind': 'date', 'default': '2026-03-01'})}").text
    assert re.search(r'name="default"[^>]*value="2026-03-01"', kept)
    dropped = client.get(f"{NOTES}/inputs?{urlencode({'kind': 'number', 'default': 'abc'})}").text
    assert re.search(r'name="default"[^>]*value=""', dropped)


@pytest.mark.parametrize(("kind", "more", "default", "message"), [
    ("date", {}, "next week", "默认值必须是日期"),
    ("number", {}, "twelve", "默认值必须是数字"),
    ("choice", {"choices": CHOICES}, "gold", "默认值：请从可选项中选择"),
    ("multi", {"choices": CHOICES}, "vip,gold", "默认值：请从可选项中选择"),
    ("bool", {}, "maybe", "默认值：请从可选项中选择"),
    ("link", {"ref": "notes.note"}, "5", "默认值：用户和关联记录字段不能设置默认值"),
    ("user", {}, "1", "默认值：用户和关联记录字段不能设置默认值"),
])
def test_a_default_that_does_not_fit_the_kind_is_refused_naming_it(client, admin, kernel, kind, more, default,
                                                                   message):
    # when a default that does not fit the kind is posted (whatever the form showed)
    response = client.submit(NOTES, {"label_zh": "字段", "label_en": "Field", "kind": kind, "default": default,
                                     **more})
    # then the form comes back with the error under the default, naming it, and nothing is saved
    assert response.status_code == 422
    error = re.search(r'id="f-default-err">([^<]*)<', response.text)
    assert error and error.group(1).startswith(message), response.text
    with kernel.db.session(write=False) as db:
        assert db.scalar(select(Field)) is None


def test_unique_is_refused_for_a_yes_no_field(client, admin):
    response = client.submit(NOTES, {"label_zh": "重点", "kind": "bool", "unique": "1"})
    assert response.status_code == 422
    assert re.search(r'id="cf-unique-err">唯一：多选和是/否字段不能设置此项。<', response.text)


def test_choices_and_a_target_of_another_kind_are_not_kept(client, admin, kernel):
    response = client.submit(NOTES, {"label_zh": "车牌", "label_en": "Plate", "kind": "text",
                                     "choices": CHOICES, "ref": "notes.note"}, follow_redirects=False)
    assert response.status_code == 303
    with kernel.db.session(write=False) as db:
        field = db.scalar(select(Field))
        assert (field.kind, field.choices, field.ref) == ("text", [], None)


def test_a_multiple_choice_default_is_chosen_in_a_list_and_shown_again_on_edit(client, admin, kernel):
    response = client.submit(NOTES, {"label_zh": "主题", "label_en": "Topics", "kind": "multi",
                                     "choices": CHOICES, "default[]": ["normal", "vip"]}, follow_redirects=False)
    assert response.status_code == 303, response.text
    with kernel.db.session(write=False) as db:
        field = db.scalar(select(Field))
        assert field.default == ["vip", "normal"]  # in the order of the choices
    edit = client.get(f"/customfields/fields/{field.id}/edit").text
    assert re.search(r'<option value="vip"\s+selected>', edit) and re.search(r'<option value="normal"\s+selected>',
                                                                              edit)
    assert not _has_input(edit, "cf-unique") and not _has_input(edit, "cf-ref")

"""Global search: one box finds what a user may read, by Chinese or Latin
substrings, pinyin and initials, phone numbers in any format, e-mail and
codes; the index follows every write in the writing transaction."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select, text

from core.jobs import Worker
from core.models import Org, User
from plugins.search.models import SearchEntry
from plugins.search.query import search


def notes_found(find, user, q):
    return find(user, q).get("notes.note", [])


# ------------------------------------------------------------------ declaring


def test_register_search_declares_what_the_index_holds(kernel, note, admin, find):
    # given the models plugins declare through register_search
    declared = {d.model for group in kernel.pm.hook.register_search() for d in group}
    assert {"core.user", "core.org", "notes.note"} <= declared
    assert set(kernel.registry.search) == declared
    # when a note is written, then it is in the index under its model key
    note_id = note("北京农展馆", "展会场地")
    with kernel.db.session(write=False) as db:
        assert db.scalar(select(SearchEntry.title).where(
            SearchEntry.model == "notes.note", SearchEntry.record_id == note_id)) == "北京农展馆"


# ------------------------------------------------------------------ matching


@pytest.mark.parametrize("q", ["农展", "农展馆", "北京农展馆", "bjnzg", "BJNZG", "beijingnongzhanguan",
                               "nongzhan", "ｂｊｎｚｇ"])
def test_a_chinese_name_is_found_by_substring_pinyin_and_initials(note, admin, find, q):
    note("北京农展馆")
    note("上海展览中心")
    assert notes_found(find, admin, q) == ["北京农展馆"]


@pytest.mark.parametrize("q", ["北", "京", "北京", "bj", "b", "展馆"])
def test_queries_of_one_or_two_characters_work(note, admin, find, q):
    note("北京农展馆")
    note("广州塔")
    assert notes_found(find, admin, q) == ["北京农展馆"]


@pytest.mark.parametrize("q", ["huaxingkeji", "huahangkeji", "hxkj", "hhkj", "huaxing", "huahang"])
def test_every_reading_of_a_title_character_is_found(note, admin, find, q):
    # 行 reads xing and hang (and heng): a user may spell either; a word
    # pypinyin knows (银行, 科技) keeps its one reading
    note("华行科技")
    note("中国银行")
    assert notes_found(find, admin, q) == ["华行科技"]


def test_a_long_spelling_looks_only_in_pinyin_and_initials():
    from plugins.search.normalise import parse
    from plugins.search.query import chunks, fts_query

    query = parse("HuaXin KeJi")
    assert query.kind == "pinyin" and query.patterns == {"pinyin": "huaxinkeji", "initials": "huaxinkeji"}
    assert chunks("huaxinkeji") == ["hua", "xin", "kej"]
    assert parse("bjnzg").kind == "latin" and "blob" in parse("bjnzg").patterns
    assert parse("so2024").kind == "latin"  # digits: a code too
    assert fts_query(parse("农展馆")) == '{blob} : "农展馆"'


@pytest.mark.parametrize("q", ["trading", "acmetrad", "acme trading", "Acme"])
def test_latin_words_are_found_by_long_and_short_queries(note, admin, find, q):
    note("Acme Trading Co.")
    assert notes_found(find, admin, q) == ["Acme Trading Co."]


def test_a_note_is_found_by_a_word_in_its_body(note, admin, find):
    note("周例会", "讨论了 Shenzhen 展位的报价和物流安排")
    assert notes_found(find, admin, "物流安排") == ["周例会"]
    assert notes_found(find, admin, "shenzhen") == ["周例会"]


@pytest.mark.parametrize("q", ["138 0013 8000", "+86-138-0013-8000", "13800138000", "0086 13800138000",
                               "13800", "0013 8000"])
def test_a_user_is_found_by_phone_in_any_format(kernel, make, admin, find, q):
    user = make.user(name="李娜", username="lina")
    with kernel.db.session() as db:
        db.get(User, user.id).phone = "+86 138-0013-8000"  # type: ignore[union-attr]
    assert find(admin, q).get("core.user") == ["李娜"]


def test_a_user_is_found_by_email(kernel, make, admin, find):
    user = make.user(name="王磊", username="wanglei")
    with kernel.db.session() as db:
        db.get(User, user.id).email = "Wang.Lei@Example.cn"  # type: ignore[union-attr]
    assert find(admin, "wang.lei@example.cn").get("core.user") == ["王磊"]
    assert find(admin, "wang.lei@").get("core.user") == ["王磊"]


def test_an_org_is_found_by_its_code(make, admin, find):
    org = make.org("华南分公司")
    assert find(admin, org.code.lower()).get("core.org") == ["华南分公司"]


def test_an_exact_title_ranks_before_longer_ones(note, admin, find):
    note("北京农展馆东馆")
    note("老北京农展馆")
    note("北京农展馆")
    assert notes_found(find, admin, "北京农展馆") == ["北京农展馆", "北京农展馆东馆", "老北京农展馆"]


# ------------------------------------------------------------------ permissions


def test_records_of_another_org_never_appear_nor_count(kernel, make, note, admin, find):
    # given a note in the head office and one in a branch, and a branch user
    branch = make.org("华东分公司")
    note("北京农展馆 总部")
    note("北京农展馆 华东", org=branch)
    reader = make.user(org=branch, roles=(), grants={"notes.note.read": "org"})
    # when the branch user searches, then only the branch's note is found and counted
    assert notes_found(find, reader, "农展馆") == ["北京农展馆 华东"]
    with kernel.db.session(write=False) as db:
        from core.permissions import load_actor

        actor = load_actor(db, db.get(User, reader.id), all_codes=set(kernel.registry.permissions))
        groups = search(db, kernel.registry, actor, "农展馆", count=True)
    assert [(g.model, g.count) for g in groups] == [("notes.note", 1)]
    assert notes_found(find, admin, "农展馆") == ["北京农展馆 总部", "北京农展馆 华东"]


def test_own_scope_finds_only_ones_own(kernel, make, note, find):
    from suanpan_notes.models import Note

    reader = make.user(roles=(), grants={"notes.note.read": "own"})
    mine = note("农展馆 我的")
    note("农展馆 别人的")
    with kernel.db.session() as db:
        db.get(Note, mine).owner_id = reader.id  # type: ignore[union-attr]
    assert notes_found(find, reader, "农展馆") == ["农展馆 我的"]


def test_a_user_without_read_permission_finds_nothing(make, note, find):
    note("北京农展馆")
    nobody = make.user(roles=())
    assert find(nobody, "农展馆") == {}


def hide_for(kernel, user, model, field, mode="hidden"):
    """A field rule on the user's own role: ``field`` of ``model`` hidden (or masked)."""
    from core.models import FieldRule, RoleAssignment

    with kernel.db.session() as db:
        role_id = db.scalar(select(RoleAssignment.role_id).where(RoleAssignment.user_id == user.id))
        db.add(FieldRule(role_id=role_id, model=model, field=field, mode=mode))


def test_a_hidden_field_never_makes_a_record_match(kernel, make, note, admin, find):
    # given a reader whose role hides the body of notes, and a note written after the rule
    reader = make.user(roles=(), grants={"notes.note.read": "org"})
    hide_for(kernel, reader, "notes.note", "body")
    note("周例会", "讨论了 Shenzhen 展位的报价和物流安排")
    # when a normal reader searches a word of the body, then the note is found
    for q in ("物流安排", "shenzhen", "wuliuanpai", "wlap"):
        assert notes_found(find, admin, q) == ["周例会"], q
    # when the restricted reader does, then it is not found, nor counted
    for q in ("物流安排", "shenzhen", "wuliuanpai", "wlap"):
        assert notes_found(find, reader, q) == [], q
    with kernel.db.session(write=False) as db:
        from core.permissions import load_actor

        actor = load_actor(db, db.get(User, reader.id), all_codes=set(kernel.registry.permissions))
        assert search(db, kernel.registry, actor, "物流", count=True) == []
        counted = search(db, kernel.registry, admin_actor(kernel, db, admin), "周例会", count=True)
    assert [(g.model, g.count) for g in counted] == [("notes.note", 1)]  # one record, two entries
    # but its title still is
    for q in ("周例会", "zhouli", "zlh", "例会"):
        assert notes_found(find, reader, q) == ["周例会"], q


def test_saving_field_rules_on_the_role_page_rebuilds_the_index(kernel, make, note, client, admin, find):
    # on_field_rules_changed: the role page's save queues a rebuild of the models whose rules changed
    from core.jobs import Worker
    from core.models import Role, RoleAssignment

    note("周例会", "讨论了物流安排")
    grants = {"notes.note.read": "org"}
    reader = make.user(roles=(), grants=grants)
    assert notes_found(find, reader, "物流安排") == ["周例会"]
    with kernel.db.session(write=False) as db:
        role_id = db.scalar(select(Role.id).join(RoleAssignment, RoleAssignment.role_id == Role.id)
                            .where(RoleAssignment.user_id == reader.id))
    data = {f"scope:{c}": scope for c, scope in grants.items()} | {"field:notes.note.body": "hidden"}
    assert client.submit(f"/admin/roles/{role_id}/grants", data, follow_redirects=False).status_code == 303
    Worker(kernel).run_pending()
    assert notes_found(find, reader, "物流安排") == []
    assert notes_found(find, admin, "物流安排") == ["周例会"]
    assert notes_found(find, reader, "周例会") == ["周例会"]


def test_a_hidden_phone_does_not_find_a_user(kernel, make, admin, find):
    reader = make.user(roles=(), grants={"core.user.read": "org"})
    hide_for(kernel, reader, "core.user", "phone")
    user = make.user(name="李娜", username="lina")
    with kernel.db.session() as db:
        db.get(User, user.id).phone = "+86 138-0013-8000"  # type: ignore[union-attr]
    assert find(admin, "13800138000").get("core.user") == ["李娜"]
    assert find(reader, "13800138000").get("core.user") is None
    assert find(reader, "李娜").get("core.user") == ["李娜"]


def test_a_masked_phone_cannot_be_confirmed_by_searching_for_it(kernel, make, admin, find):
    # given a reader who sees users' mobile numbers and positions masked (138****8000)
    reader = make.user(roles=(), grants={"core.user.read": "org"})
    hide_for(kernel, reader, "core.user", "phone", "masked")
    hide_for(kernel, reader, "core.user", "position", "masked")
    user = make.user(name="李娜", username="lina")
    with kernel.db.session() as db:
        found = db.get(User, user.id)
        found.phone, found.position = "+86 138-0013-8000", "销售总监"  # type: ignore[union-attr]
    # then the whole number finds her for a reader in clear, never for the masked reader
    assert find(admin, "13800138000").get("core.user") == ["李娜"]
    for q in ("13800138000", "138-0013-8000", "销售总监"):
        assert find(reader, q).get("core.user") is None, q
    # who still finds her by name, with the masked subtitle
    assert find(reader, "李娜").get("core.user") == ["李娜"]
    with kernel.db.session(write=False) as db:
        from core.permissions import load_actor

        actor = load_actor(db, db.get(User, reader.id), all_codes=set(kernel.registry.permissions))
        [group] = search(db, kernel.registry, actor, "李娜", models=["core.user"])
    assert [h.subtitle for h in group.hits] == ["销***"]


def test_a_hidden_title_field_hides_the_model_from_the_reader(kernel, make, note, find):
    note("周例会")
    reader = make.user(roles=(), grants={"notes.note.read": "org"})
    hide_for(kernel, reader, "notes.note", "title")
    assert notes_found(find, reader, "周例会") == []


def admin_actor(kernel, db, admin):
    from core.permissions import load_actor

    return load_actor(db, db.get(User, admin.id), all_codes=set(kernel.registry.permissions))


# ------------------------------------------------------------------ keeping current


def test_soft_deleted_records_leave_and_restored_ones_come_back(kernel, note, admin, find):
    from suanpan_notes.models import Note

    from core import utcnow

    note_id = note("北京农展馆")
    with kernel.db.session() as db:
        db.get(Note, note_id).deleted_at = utcnow()  # type: ignore[union-attr]
    assert notes_found(find, admin, "农展馆") == []
    with kernel.db.session() as db:
        db.get(Note, note_id).deleted_at = None  # type: ignore[union-attr]
    assert notes_found(find, admin, "农展馆") == ["北京农展馆"]


def test_an_edited_title_is_found_by_its_new_name_only(kernel, note, admin, find):
    from suanpan_notes.models import Note

    note_id = note("北京农展馆")
    with kernel.db.session() as db:
        db.get(Note, note_id).title = "国家会展中心"  # type: ignore[union-attr]
    assert notes_found(find, admin, "农展馆") == []
    assert notes_found(find, admin, "gjhzzx") == ["国家会展中心"]


def test_a_purged_record_leaves_the_index(kernel, note, admin, find):
    from suanpan_notes.models import Note

    note_id = note("北京农展馆")
    with kernel.db.session() as db:
        db.delete(db.get(Note, note_id))
    assert notes_found(find, admin, "农展馆") == []
    with kernel.db.session(write=False) as db:
        assert db.scalar(select(func.count()).select_from(SearchEntry).where(
            SearchEntry.model == "notes.note")) == 0


def test_a_rolled_back_transaction_leaves_the_index_as_it_was(kernel, make, note, admin, find):
    from suanpan_notes.models import Note

    note_id = note("北京农展馆")
    before = index_rows(kernel)

    class Abort(Exception):
        pass

    with pytest.raises(Abort), kernel.db.session() as db:
        db.add(Note(org_id=make.hq().id, title="上海展览中心"))
        db.get(Note, note_id).title = "国家会展中心"  # type: ignore[union-attr]
        db.flush()
        # inside the transaction the index already follows
        assert db.scalar(select(func.count()).select_from(SearchEntry).where(
            SearchEntry.title == "上海展览中心")) == 1
        raise Abort
    assert index_rows(kernel) == before
    assert notes_found(find, admin, "农展馆") == ["北京农展馆"]
    assert notes_found(find, admin, "shzlzx") == []


def index_rows(kernel):
    with kernel.db.session(write=False) as db:
        rows = sorted(db.execute(select(SearchEntry.model, SearchEntry.record_id, SearchEntry.blob)).all())
        if kernel.db.engine.dialect.name == "sqlite":
            rows.append(db.execute(text("SELECT count(*) FROM search_fts WHERE search_fts MATCH "
                                        "'blob : \"农展馆\"'")).scalar())
        return rows


# ------------------------------------------------------------------ rebuilding


def test_reindex_rebuilds_the_index(kernel, client, admin, note, find):
    note("北京农展馆")
    with kernel.db.session() as db:
        db.execute(SearchEntry.__table__.delete())
    assert notes_found(find, admin, "农展馆") == []
    # when an administrator rebuilds the index, and the worker runs the jobs
    page = client.get("/search/index")
    assert page.status_code == 200 and "search-rebuild" in page.text
    response = client.submit("/search/index/rebuild", follow_redirects=False)
    assert response.status_code == 303
    assert Worker(kernel, "test").run_pending() >= 1
    # then everything is found again
    assert notes_found(find, admin, "农展馆") == ["北京农展馆"]
    assert find(admin, "管理员").get("core.user") == ["管理员"]
    assert 'id="search-index-counts"' in client.get("/search/index").text


def test_the_index_page_is_for_administrators_only(make, new_client):
    make.user(roles=(), username="plain")
    browser = new_client()
    browser.login("plain")
    assert browser.get("/search/index").status_code == 403
    assert browser.submit("/search/index/rebuild", follow_redirects=False).status_code == 403


# ------------------------------------------------------------------ pages


def test_the_results_page_groups_hits_by_type_with_counts(client, admin, note):
    note_id = note("北京农展馆")
    page = client.get("/search/", params={"q": "bjnzg"})
    assert page.status_code == 200
    assert "北京农展馆" in page.text and 'data-search-count="notes.note">1<' in page.text
    assert f"/notes/{note_id}" in page.text


def test_the_dropdown_and_the_empty_states(client, admin, note):
    note("北京农展馆")
    dropdown = client.get("/search/suggest", params={"q": "农展"}, headers={"HX-Request": "true"})
    assert "北京农展馆" in dropdown.text and "search-all" in dropdown.text
    assert "<html" not in dropdown.text
    nothing = client.get("/search/", params={"q": "不存在的名字"})
    assert "Nothing found." in nothing.text or "没有找到" in nothing.text
    empty = client.get("/search/")
    assert empty.status_code == 200 and "bjnzg" in empty.text


def test_the_top_bar_box_points_at_the_search(client, admin, start, browser):
    home = client.get("/")
    assert 'id="sp-global-search"' in home.text and 'action="/search/"' in home.text
    assert "/search/suggest" in home.text


def test_without_the_plugin_the_top_bar_has_no_box(kernel, start, browser, make):
    other = start(plugins=[n for n in kernel.enabled if n != "search"])
    make.user(username="boxless")
    b = browser(other)
    b.login("boxless")
    home = b.get("/")
    assert home.status_code == 200 and "sp-global-search" not in home.text
    # writes do not need the plugin either
    with other.db.session() as db:
        assert db.scalar(select(Org.id).where(Org.code == "HQ")) is not None


def test_entries_written_through_the_orm_or_in_bulk_keep_the_fts_index_whole(kernel, make, admin, find):
    """On SQLite the plugin writes the FTS5 rows itself (no insert trigger):
    an entry added through the ORM gets one too, and deleting entries leaves
    an index that passes FTS5's own integrity check."""
    from suanpan_notes.models import Note

    from core import create_many
    from core.permissions import load_actor

    hq = make.hq()
    with kernel.db.session() as db:
        db.add(SearchEntry(model="notes.note", record_id=999_999, org_id=hq.id, title="孤立条目", subtitle="",
                           title_key="孤立条目", blob="孤立条目", pinyin="gulitiaomu", initials="gltm",
                           phones="", emails="", codes="", grams=""))
        actor = load_actor(db, db.get(User, admin.id), all_codes=set(kernel.registry.permissions))
        db.info["actor"] = actor
        create_many(db, actor, Note, [{"title": f"批量便签{i}"} for i in range(30)])
    assert notes_found(find, admin, "批量便签17") == ["批量便签17"]
    with kernel.db.session() as db:
        db.execute(SearchEntry.__table__.delete())
        if db.get_bind().dialect.name == "sqlite":
            db.execute(text("INSERT INTO search_fts(search_fts, rank) VALUES ('integrity-check', 1)"))
            assert db.scalar(text("SELECT count(*) FROM search_fts")) == 0
    assert notes_found(find, admin, "批量便签") == []


# ------------------------------------------------------------------ the plan


def test_a_title_prefix_is_read_from_the_models_title_index_without_statistics(kernel, note, admin):
    # given entries of several models and no ANALYZE ever run (a fresh installation)
    from sqlalchemy import inspect
    from suanpan_notes.models import Note

    from core.permissions import scope
    from plugins.search.normalise import parse
    from plugins.search.query import prefixed, readable

    for n in range(6):
        note(f"北京农展馆{n}")
    with kernel.db.session(write=False) as db:
        indexes = {i["name"]: i["column_names"] for i in inspect(db.connection()).get_indexes("search_entry")}
        # then the prefix index leads with the model, which every prefix query names
        assert indexes["ix_search_entry_model_title_key"] == ["model", "title_key"]
        stmt = readable(prefixed(parse("北京")), Note, ["notes.note"],
                        scope(admin_actor(kernel, db, admin), Note, "read")).limit(5)
        sql = str(stmt.compile(dialect=db.get_bind().dialect, compile_kwargs={"literal_binds": True}))
        if db.get_bind().dialect.name == "sqlite":
            # and SQLite reads it, not every entry of the model through (model, record_id)
            plan = " ".join(str(row[-1]) for row in db.connection().exec_driver_sql("EXPLAIN QUERY PLAN " + sql))
            assert "ix_search_entry_model_title_key (model=? AND title_key>? AND title_key<?)" in plan, plan
        assert len(db.execute(stmt).all()) == 5


def test_a_substring_is_read_from_the_full_text_index_first_without_statistics(kernel, note, admin):
    # given entries holding the word, and no ANALYZE ever run (a fresh installation)
    from suanpan_notes.models import Note

    from core.permissions import scope
    from plugins.search.normalise import parse
    from plugins.search.query import matching, readable

    for n in range(30):
        note(f"农业展览{n}")
    with kernel.db.session(write=False) as db:
        stmt = readable(matching(db.get_bind().dialect.name, parse("农业展")), Note, ["notes.note"],
                        scope(admin_actor(kernel, db, admin), Note, "read")).limit(5)
        if db.get_bind().dialect.name == "sqlite":
            # then SQLite reads the matches from the FTS5 table and looks each entry up by id,
            # rather than asking the FTS5 table about every entry of the model, one at a time
            sql = str(stmt.compile(dialect=db.get_bind().dialect, compile_kwargs={"literal_binds": True}))
            plan = [str(row[-1]) for row in db.connection().exec_driver_sql("EXPLAIN QUERY PLAN " + sql)]
            assert plan[0].startswith("SCAN search_fts VIRTUAL TABLE"), plan
            assert any(step.startswith("SEARCH search_entry USING INTEGER PRIMARY KEY") for step in plan), plan
        assert len(db.execute(stmt).all()) == 5


def test_a_global_search_skips_the_models_without_entries(kernel, note, admin):
    # given notes, and a model declared searchable with no entry at all
    from sqlalchemy import event

    from plugins.search import query as q

    for n in range(3):
        note(f"农业展览{n}")
    with kernel.db.session(write=False) as db:
        # then one statement tells which have entries, counting the withheld fields' entries too
        assert q.have_entries(db, [["notes.note"], ["no.such_model"], ["no.such_model", "notes.note"]]) == [
            True, False, True]
        registry = kernel.registry
        filled = dict(zip(registry.search, q.have_entries(db, [[key] for key in registry.search]), strict=True))
        empty = {key for key, has in filled.items() if not has}
        assert filled["notes.note"] and empty, filled  # the suite declares models it has not filled
        asked: list[Any] = []
        event.listen(db.get_bind(), "before_cursor_execute", lambda *a: asked.append(a[3]))
        groups = q.search(db, registry, admin_actor(kernel, db, admin), "农业展", count=True)
        # and the notes are found, and no statement but the probe names a model without entries
        assert [g.model for g in groups] == ["notes.note"] and len(groups[0].hits) == 3
        values = [params.values() if isinstance(params, dict) else params or () for params in asked]
        naming = [given for given in values if empty & set(map(str, given))]
        assert len(naming) == 1, naming

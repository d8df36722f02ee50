"""Row scopes, field rules, sharing and escalation: one predicate for lists
and single records; a record outside scope is a 404."""

from __future__ import annotations

from sqlalchemy import select
from suanpan_notes.models import Note

from core.models import RecordShare, User
from core.permissions import load_actor, scope

WRITER = {"notes.note.read": "own", "notes.note.create": "own", "notes.note.update": "own"}


def _note(kernel, owner: User, title: str, *, department_id=None) -> int:
    with kernel.db.session() as db:
        note = Note(org_id=owner.org_id, owner_id=owner.id, title=title,
                    department_id=department_id if department_id else owner.department_id)
        db.add(note)
        db.flush()
        return note.id


def _visible_titles(kernel, user: User) -> set[str]:
    with kernel.db.session(write=False) as db:
        actor = load_actor(db, db.get(User, user.id), all_codes=set(kernel.registry.permissions))
        return set(db.scalars(select(Note.title).where(scope(actor, Note, "read"))))


def test_each_scope_sees_exactly_its_rows(kernel, make):
    # given an org with a department tree: sales > team1, and finance
    hq = make.hq()
    sales = make.department(hq, "销售部")
    team1 = make.department(hq, "销售一组", parent=sales)
    finance = make.department(hq, "财务部")
    branch = make.org("华东分公司")
    lina = make.user(department=team1, roles=(), grants=WRITER)
    boss = make.user(department=sales, roles=(), grants={"notes.note.read": "department_tree"})
    dept_only = make.user(department=sales, roles=(), grants={"notes.note.read": "department"})
    cfo = make.user(department=finance, roles=(), grants={"notes.note.read": "org"})
    outsider = make.user(org=branch, roles=(), grants={"notes.note.read": "org"})
    auditor = make.user(org=branch, roles=(), grants={"notes.note.read": "all"})
    nobody = make.user(roles=())
    _note(kernel, lina, "一组便签")
    _note(kernel, boss, "销售部便签")
    _note(kernel, cfo, "财务便签")
    _note(kernel, outsider, "华东便签")
    # then
    assert _visible_titles(kernel, lina) == {"一组便签"}
    assert _visible_titles(kernel, boss) == {"一组便签", "销售部便签"}
    assert _visible_titles(kernel, dept_only) == {"销售部便签"}
    assert _visible_titles(kernel, cfo) == {"一组便签", "销售部便签", "财务便签"}
    assert _visible_titles(kernel, outsider) == {"华东便签"}
    assert _visible_titles(kernel, auditor) == {"一组便签", "销售部便签", "财务便签", "华东便签"}
    assert _visible_titles(kernel, nobody) == set()


def test_roles_in_two_orgs_combine_each_in_its_own_org(kernel, make):
    # given a regional manager with the org scope at HQ and own-records in a branch
    branch = make.org("华南分公司")
    manager = make.user(roles=(), grants={"notes.note.read": "org"})
    from core.admin import services

    with kernel.db.session() as db:
        role = services.create_role(db, None, {"key": "south_own", "name": "华南本人"})
        services.set_role_grants(db, role, {"notes.note.read": "own"}, kernel.registry)
        db.flush()
        from core.models import RoleAssignment

        db.add(RoleAssignment(user_id=manager.id, role_id=role.id, org_id=branch.id))
    hq_colleague = make.user()
    south_colleague = make.user(org=branch)
    _note(kernel, hq_colleague, "总部同事")
    _note(kernel, south_colleague, "华南同事")
    with kernel.db.session() as db:
        db.add(Note(org_id=branch.id, owner_id=manager.id, title="我在华南的"))
    assert _visible_titles(kernel, manager) == {"总部同事", "我在华南的"}


def test_a_record_outside_scope_is_404_on_pages(kernel, make, client, new_client):
    lina = make.user(username="lina", roles=(), grants=WRITER)
    make.user(username="wang", roles=(), grants=WRITER)
    note_id = _note(kernel, lina, "李娜的便签")
    client.login("wang")
    assert client.get(f"/notes/{note_id}").status_code == 404
    assert client.get(f"/notes/{note_id}/edit").status_code == 404
    assert client.submit(f"/notes/{note_id}", {"title": "hacked", "version": "1"}).status_code == 404
    assert "李娜的便签" not in client.get("/notes/").text
    owner = new_client()
    owner.login("lina")
    assert owner.get(f"/notes/{note_id}").status_code == 200


def test_a_user_without_the_permission_gets_403(make, client):
    make.user(username="nobody", roles=())
    client.login("nobody")
    assert client.get("/notes/").status_code == 403
    assert client.get("/admin/users").status_code == 403


def test_sharing_a_record_opens_it_to_one_user(kernel, make, client):
    lina = make.user(username="lina", roles=(), grants=WRITER)
    wang = make.user(username="wang", roles=(), grants=WRITER)
    note_id = _note(kernel, lina, "共享的便签")
    client.login("wang")
    assert client.get(f"/notes/{note_id}").status_code == 404
    with kernel.db.session() as db:
        db.add(RecordShare(model="notes.note", record_id=note_id, user_id=wang.id,
                           can_write=False, shared_by_id=lina.id))
    assert client.get(f"/notes/{note_id}").status_code == 200
    assert "共享的便签" in client.get("/notes/").text
    # a read share does not allow editing
    assert client.get(f"/notes/{note_id}/edit").status_code == 404


def test_hidden_fields_disappear_and_readonly_fields_do_not_bind(kernel, make, client):
    # given a role that sees notes but not their body, and cannot change titles
    from core.admin import services
    from core.models import Role

    writer = make.user(username="lina", roles=(), grants=WRITER)
    with kernel.db.session() as db:
        from core.models import RoleAssignment

        role = db.scalar(select(Role).join(RoleAssignment, RoleAssignment.role_id == Role.id)
                         .where(RoleAssignment.user_id == writer.id))
        services.set_field_rules(db, role, {("notes.note", "body"): "hidden",
                                            ("notes.note", "title"): "readonly"}, kernel.registry)
    note_id = _note(kernel, writer, "标题")
    with kernel.db.session() as db:
        db.get(Note, note_id).body = "秘密内容"
    client.login("lina")
    page = client.get(f"/notes/{note_id}")
    assert page.status_code == 200 and "秘密内容" not in page.text
    # a post that tries to change the read-only title leaves it alone
    response = client.submit(f"/notes/{note_id}", {"title": "改了", "body": "x", "version": "2"},
                             follow_redirects=False)
    assert response.status_code == 303, response.text
    with kernel.db.session(write=False) as db:
        note = db.get(Note, note_id)
        assert note.title == "标题" and note.body == "秘密内容"


def test_org_and_owner_never_bind_from_input(kernel, make, client):
    branch = make.org("华东分公司")
    make.user(username="lina", roles=(), grants=WRITER)
    client.login("lina")
    response = client.submit("/notes/", {"title": "新便签", "org_id": str(branch.id),
                                         "owner_id": "1"}, follow_redirects=False)
    assert response.status_code == 303
    with kernel.db.session(write=False) as db:
        note = db.scalar(select(Note).where(Note.title == "新便签"))
        lina = db.scalar(select(User).where(User.username == "lina"))
        assert (note.org_id, note.owner_id) == (lina.org_id, lina.id)


def test_an_org_admin_cannot_hand_out_the_administrator_role(kernel, make, client):
    from core.models import Role, RoleAssignment

    make.user(username="boss", roles=("org_admin",))
    clerk = make.user(username="clerk", roles=("staff",))
    client.login("boss")
    with kernel.db.session(write=False) as db:
        admin_role = db.scalar(select(Role.id).where(Role.key == "admin"))
        staff_role = db.scalar(select(Role.id).where(Role.key == "staff"))
    refused = client.submit(f"/admin/users/{clerk.id}/roles",
                            {"role_id": str(admin_role), "org_id": str(clerk.org_id)})
    assert refused.status_code == 403
    ok = client.submit(f"/admin/users/{clerk.id}/roles",
                       {"role_id": str(staff_role), "org_id": str(clerk.org_id)}, follow_redirects=False)
    assert ok.status_code == 303
    with kernel.db.session(write=False) as db:
        held = set(db.scalars(select(RoleAssignment.role_id).where(RoleAssignment.user_id == clerk.id)))
    assert admin_role not in held


def test_roles_are_installation_wide_and_need_an_installation_wide_grant(kernel, make, client):
    make.user(username="boss", roles=(), grants={"core.role.read": "org", "core.role.update": "org"})
    client.login("boss")
    assert "staff" not in client.get("/admin/roles").text


def test_department_scope_in_a_second_org_follows_the_membership(kernel, make, client, admin):
    # given a manager at HQ who also leads a team in the East branch
    branch = make.org("华东分公司")
    east_team = make.department(branch, "华东销售部")
    other_team = make.department(branch, "华东财务部")
    manager = make.user(username="matrix", roles=())
    # when the administrator records the position and grants a department-scoped role there
    response = client.submit(f"/admin/users/{manager.id}/memberships", {
        "org_id": str(branch.id), "department_id": str(east_team.id), "position": "区域经理"},
        follow_redirects=False)
    assert response.status_code == 303, response.text
    from core.admin import services

    with kernel.db.session() as db:
        role = services.create_role(db, None, {"key": "dept_reader", "name": "部门查看"})
        services.set_role_grants(db, role, {"notes.note.read": "department"}, kernel.registry)
        db.flush()
        from core.models import RoleAssignment

        db.add(RoleAssignment(user_id=manager.id, role_id=role.id, org_id=branch.id))
    seller = make.user(org=branch, department=east_team)
    clerk = make.user(org=branch, department=other_team)
    _note(kernel, seller, "华东销售便签")
    _note(kernel, clerk, "华东财务便签")
    # then the department scope in the branch means the membership's department
    assert _visible_titles(kernel, manager) == {"华东销售便签"}
    assert "华东销售部" in client.get(f"/admin/users/{manager.id}").text


def test_the_owner_shares_a_note_from_its_page_and_stops_sharing(kernel, make, client, new_client):
    # given a writer allowed to share her own notes, and a colleague
    lina = make.user(username="lina", roles=(), grants={**WRITER, "notes.note.share": "own",
                                                        "core.user.read": "org"})
    wang = make.user(username="wang", roles=(), grants=WRITER, name="王强")
    note_id = _note(kernel, lina, "客户拜访纪要")
    client.login("lina")
    page = client.get(f"/notes/{note_id}")
    assert 'id="panel-sharing"' in page.text and "王强" in page.text
    # when she shares it read-only
    response = client.submit(f"/share/notes.note/{note_id}", {"user_id": str(wang.id),
                                                              "next": f"/notes/{note_id}"},
                             follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == f"/notes/{note_id}"
    colleague = new_client()
    colleague.login("wang")
    # then he reads it but cannot edit it
    assert colleague.get(f"/notes/{note_id}").status_code == 200
    assert colleague.get(f"/notes/{note_id}/edit").status_code == 404
    # the sharing is in the record's history
    with kernel.db.session(write=False) as db:
        from core.models import AuditLog

        actions = list(db.scalars(select(AuditLog.action).where(
            AuditLog.model == "notes.note", AuditLog.record_id == note_id)))
        share_id = db.scalar(select(RecordShare.id))
    assert "share" in actions
    # and stopping it closes the record again
    client.submit(f"/share/notes.note/{note_id}/{share_id}/remove", {"next": "/"})
    assert colleague.get(f"/notes/{note_id}").status_code == 404


def test_sharing_needs_the_share_permission_and_a_visible_record(kernel, make, client):
    lina = make.user(username="lina", roles=(), grants=WRITER)
    wang = make.user(username="wang", roles=(), grants={**WRITER, "notes.note.share": "own"})
    note_id = _note(kernel, lina, "不可分享")
    client.login("lina")
    assert client.submit(f"/share/notes.note/{note_id}", {"user_id": str(wang.id)}).status_code == 403
    other = type(client)(client.app, base_url="http://testserver")
    with other:
        other.login("wang")
        assert other.submit(f"/share/notes.note/{note_id}", {"user_id": str(lina.id)}).status_code == 404


def test_an_administrator_edits_a_role_on_its_page(kernel, make, client, admin):
    from core.models import FieldRule, Role, RolePermission

    with kernel.db.session(write=False) as db:
        role_id = db.scalar(select(Role.id).where(Role.key == "staff"))
    # the page shows the grid with the current scopes
    page = client.get(f"/admin/roles/{role_id}")
    assert page.status_code == 200
    assert 'name="scope:core.user.read"' in page.text and 'name="field:notes.note.body"' in page.text
    # when the administrator grants notes within the department and hides note bodies
    response = client.submit(f"/admin/roles/{role_id}/grants", {
        "scope:notes.note.read": "department", "scope:core.user.read": "org",
        "field:notes.note.body": "hidden"}, follow_redirects=False)
    assert response.status_code == 303
    with kernel.db.session(write=False) as db:
        grants = dict(db.execute(select(RolePermission.code, RolePermission.scope)
                                 .where(RolePermission.role_id == role_id)).all())
        rules = list(db.scalars(select(FieldRule.field).where(FieldRule.role_id == role_id)))
    # then exactly what was chosen is granted: unchosen codes are revoked
    assert grants == {"notes.note.read": "department", "core.user.read": "org"}
    assert rules == ["body"]
    # and an unknown scope is refused by name
    bad = client.submit(f"/admin/roles/{role_id}/grants", {"scope:notes.note.read": "galaxy"})
    assert bad.status_code == 422 and "notes.note.read" in bad.text


def test_an_administrator_removes_a_role_with_the_button_on_the_user_page(kernel, make, client, admin):
    import re

    from core.models import RoleAssignment

    clerk = make.user(roles=("staff",))
    page = client.get(f"/admin/users/{clerk.id}").text
    action = re.search(rf'action="(/admin/users/{clerk.id}/roles/\d+/remove)"', page)
    assert action is not None
    assert client.submit(action.group(1), follow_redirects=False).status_code == 303
    with kernel.db.session(write=False) as db:
        assert db.scalar(select(RoleAssignment.id).where(RoleAssignment.user_id == clerk.id)) is None


def test_permission_holders_are_the_active_users_whose_roles_grant_the_code_there(kernel, make):
    from core import User, permission_holders

    hq = make.hq()
    writer = make.user(org=hq, roles=("notes.writer",))
    admin = make.user(org=hq, roles=("admin",))  # a role granting everything
    make.user(org=hq, roles=("staff",))
    gone = make.user(org=hq, roles=("notes.writer",))
    elsewhere = make.org("分公司")
    make.user(org=elsewhere, roles=("notes.writer",))
    with kernel.db.session() as db:
        db.get(User, gone.id).active = False
        db.flush()
        holders = set(db.scalars(select(User.id).where(User.id.in_(permission_holders("notes.note.create",
                                                                                      hq.id)))))
    assert holders == {writer.id, admin.id}

"""The kernel's demo data: a group with two branches, departments and staff."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.admin import services
from core.auth import Passwords
from core.models import Department, Org, Role, RoleAssignment, User

BRANCHES = [
    ("EAST", "华东分公司", "East China Branch", "上海市浦东新区世纪大道100号", "021-5888 0000"),
    ("SOUTH", "华南分公司", "South China Branch", "广州市天河区珠江新城华夏路8号", "020-3888 0000"),
]
DEPARTMENTS = [  # (key, org, parent key, name, name_en)
    ("ceo", "HQ", None, "总经办", "General Office"),
    ("sales", "HQ", None, "销售部", "Sales"),
    ("sales1", "HQ", "sales", "销售一组", "Sales Team 1"),
    ("sales2", "HQ", "sales", "销售二组", "Sales Team 2"),
    ("finance", "HQ", None, "财务部", "Finance"),
    ("east_sales", "EAST", None, "华东销售部", "East Sales"),
    ("south_sales", "SOUTH", None, "华南销售部", "South Sales"),
]
USERS = [  # (username, name, org, dept, position, phone, role)
    ("zhangwei", "张伟", "HQ", "sales", "销售总监", "13800138001", "org_admin"),
    ("lina", "李娜", "HQ", "sales1", "销售经理", "13800138002", "staff"),
    ("wangfang", "王芳", "HQ", "finance", "财务主管", "13800138003", "staff"),
    ("chenjie", "陈杰", "EAST", "east_sales", "区域经理", "13900139001", "org_admin"),
    ("liuyang", "刘洋", "SOUTH", "south_sales", "销售代表", "13700137001", "staff"),
]


def load(db: Session, passwords: Passwords, password: str) -> tuple[dict[str, int], dict[str, int]]:
    """Create the demo organisation chart; return org and user ids by key."""
    hq = db.scalar(select(Org).where(Org.code == "HQ"))
    assert hq is not None, "the administrator's organisation comes first"
    hq.name, hq.name_en = "算盘科技集团", "Suanpan Technology Group"
    hq.address, hq.phone = "北京市海淀区中关村大街1号", "010-8888 0000"
    orgs = {"HQ": hq.id}
    for code, name, name_en, address, phone in BRANCHES:
        org = services.create_org(db, None, {
            "code": code, "name": name, "name_en": name_en, "address": address,
            "phone": phone, "parent_id": hq.id, "active": True})
        orgs[code] = org.id
    depts: dict[str, Department] = {}
    for key, org_code, parent, name, name_en in DEPARTMENTS:
        parent_dept = depts[parent] if parent else None
        dept = Department(org_id=orgs[org_code], name=name, name_en=name_en,
                          parent_id=parent_dept.id if parent_dept else None)
        db.add(dept)
        db.flush()
        services.set_tree_path(db, dept, parent_dept)
        depts[key] = dept
    roles = {r.key: r.id for r in db.scalars(select(Role))}
    users: dict[str, int] = {}
    for username, name, org_code, dept_key, position, phone, role in USERS:
        user = services.create_user(db, None, {
            "username": username, "display_name": name, "org_id": orgs[org_code],
            "department_id": depts[dept_key].id, "position": position, "phone": phone,
            "email": f"{username}@example.com", "password": password,
        }, passwords=passwords)
        db.add(RoleAssignment(user_id=user.id, role_id=roles[role], org_id=orgs[org_code]))
        users[username] = user.id
    depts["sales"].head_id = users["zhangwei"]
    depts["sales1"].head_id = users["lina"]
    depts["finance"].head_id = users["wangfang"]
    admin = db.scalar(select(User).where(User.username == "admin"))
    if admin is not None:
        users["admin"] = admin.id
    return orgs, users

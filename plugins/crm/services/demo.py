"""The CRM's demo data: a Chinese sales organisation (a director, three
regional managers, eight salespeople), a public pool with its rules, 2,000
customers with plausible company names, their contacts, follow-ups over the
last months and opportunities across the stages of the standard pipeline.

Everything comes from a seeded generator (:func:`companies`), which the
benchmark (bench/crm_list.py) reuses for its million customers; rows go in
with bulk inserts (``core.create_many``), so ``suanpan setup`` stays quick.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from importlib import import_module
from typing import Any

from pypinyin import lazy_pinyin
from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from core import create_many, utcnow
from plugins.crm import kernel
from plugins.crm.models import (
    Contact,
    Customer,
    FollowUp,
    Opportunity,
    OwnershipLog,
    Pipeline,
    Pool,
    PoolRole,
    PoolRule,
    Settings,
    Stage,
)
from plugins.crm.services import tags as tag_service
from plugins.crm.services.names import initial
from plugins.dataio.normalise import USCC_CHARS, uscc_check_char

SEED = 20260601
CUSTOMERS = 2000

#: region -> (province, city, telephone area code, the division code of a credit code)
REGIONS: dict[str, list[tuple[str, str, str, str]]] = {
    "north": [("北京市", "北京市", "010", "110108"),
             ("天津市", "天津市", "022", "120116"),
             ("河北省", "石家庄市", "0311", "130102"),
             ("山东省", "济南市", "0531", "370102"),
             ("山东省", "青岛市", "0532", "370202"),
             ("山西省", "太原市", "0351", "140105"),
             ("辽宁省", "沈阳市", "024", "210102"),
             ("辽宁省", "大连市", "0411", "210202")],
    "east": [("上海市", "上海市", "021", "310115"),
             ("江苏省", "南京市", "025", "320102"),
             ("江苏省", "苏州市", "0512", "320505"),
             ("江苏省", "无锡市", "0510", "320214"),
             ("浙江省", "杭州市", "0571", "330106"),
             ("浙江省", "宁波市", "0574", "330212"),
             ("安徽省", "合肥市", "0551", "340104"),
             ("福建省", "厦门市", "0592", "350203")],
    "south": [("广东省", "广州市", "020", "440106"),
             ("广东省", "深圳市", "0755", "440305"),
             ("广东省", "佛山市", "0757", "440604"),
             ("广东省", "东莞市", "0769", "441900"),
             ("广西壮族自治区", "南宁市", "0771", "450103"),
             ("湖南省", "长沙市", "0731", "430104"),
             ("海南省", "海口市", "0898", "460106"),
             ("福建省", "福州市", "0591", "350102")],
}
BRANDS = ("华信", "博远", "中科", "恒通", "金盛", "瑞丰", "天成", "宏达", "鼎新", "联创", "嘉和",
          "万邦", "永泰", "东方", "昊天", "景泰", "安信", "德润", "汇丰", "百川", "鸿运", "新锐",
          "捷顺", "明辉", "正泰", "光华", "远航", "致远", "卓越", "晨光", "海纳", "星河", "润达",
          "同创", "凯旋", "众诚", "华美", "长青", "盛世", "佳禾", "速达", "蓝海", "云帆", "金桥",
          "睿智", "环宇", "神州", "智联", "祥瑞", "信达")
INDUSTRY_WORDS = {
    "it": ("科技", "软件", "信息技术", "网络科技"),
    "manufacturing": ("机械", "精密制造", "电子", "新材料"),
    "trade": ("贸易", "商贸", "进出口"), "medical": ("医药", "医疗器械", "生物科技"),
    "food": ("食品", "餐饮管理"), "logistics": ("物流", "供应链管理"),
    "construction": ("建设", "建筑工程", "置业"),
    "energy": ("能源", "新能源"), "media": ("文化传媒", "广告"), "exhibition": ("会展服务", "展览"),
    "education": ("教育科技", "培训"), "services": ("企业管理咨询", "人力资源"),
}
PARKS = ("科技园", "工业园", "商务中心", "开发区")
SUFFIXES = ("有限公司", "有限公司", "有限公司", "股份有限公司", "有限责任公司")
SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩"
            "冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程魏苏吕丁沈")
GIVEN = ("伟", "芳", "娜", "敏", "静", "磊", "洋", "勇", "艳", "杰", "涛", "明", "超", "秀英", "霞",
         "平", "刚", "桂英", "建华", "志强", "晓东", "海燕", "丽娟", "国庆", "文博", "子涵", "思远",
         "雨欣", "浩然", "嘉怡")
POSITIONS = (("总经理", "decision_maker"), ("副总经理", "decision_maker"),
             ("采购经理", "influencer"), ("技术总监", "influencer"), ("财务经理", "finance"),
             ("IT主管", "user"), ("行政主管", "gatekeeper"), ("项目经理", "user"))
TAGS = ("重点跟进", "老客户", "展会获客", "价格敏感", "决策链长", "有续约意向", "政府项目", "高潜力")
FOLLOWUP_TEXT = (
    ("call", "电话沟通需求，对方关注交付周期和售后服务。", "interested"),
    ("visit", "上门拜访，演示了系统，采购经理参与，约下周再谈报价。", "quoted"),
    ("wechat", "微信发送了产品资料和案例，对方表示会内部讨论。", "follow_again"),
    ("email", "邮件发送报价单及合同草案。", "quoted"),
    ("meeting", "线上会议确认实施范围，技术总监提了三个问题。", "interested"),
    ("call", "电话未接通，稍后再联系。", "no_answer"),
    ("call", "对方今年预算已用完，明年一季度再联系。", "not_interested"),
)
#: the standard pipeline when the sales area's ensure_pipelines is not there: (name, probability, kind)
STAGES = (("初步接洽", 10, "open"), ("需求确认", 30, "open"), ("方案报价", 50, "open"),
          ("商务谈判", 70, "open"), ("赢单", 100, "won"), ("输单", 0, "lost"))
#: the sales organisation: (username, name, region, position, role)
PEOPLE = (
    ("sunhao", "孙浩", "north", "销售代表", "salesperson"),
    ("mali", "马丽", "north", "销售代表", "salesperson"),
    ("zhuqiang", "朱强", "north", "大客户经理", "salesperson"),
    ("zhoumin", "周敏", "east", "大区经理", "manager"),
    ("hujing", "胡静", "east", "销售代表", "salesperson"),
    ("guotao", "郭涛", "east", "销售代表", "salesperson"),
    ("hefang", "何芳", "east", "大客户经理", "salesperson"),
    ("huanglei", "黄磊", "south", "大区经理", "manager"),
    ("gaofeng", "高峰", "south", "销售代表", "salesperson"),
    ("linxue", "林雪", "south", "销售代表", "salesperson"),
)
DEPARTMENTS = (("north", "华北大区", "North China"), ("east", "华东大区", "East China"),
               ("south", "华南大区", "South China"))


@dataclass
class Owner:
    user_id: int | None
    department_id: int | None
    region: str


def uscc(rng: random.Random, division: str) -> str:
    """A credit code with a valid check character: 91 (a company), the
    division code, an organisation code of nine characters."""
    first = "91" + division + "".join(rng.choice(USCC_CHARS) for _ in range(9))
    return first + uscc_check_char(first)


def person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def mobile(rng: random.Random) -> str:
    return rng.choice(("13", "15", "18", "17", "19")) + f"{rng.randrange(10**9):09d}"


def companies(rng: random.Random, owners: Sequence[Owner], count: int, *,
              org_id: int, district_of: Mapping[tuple[str, str], Sequence[str]] | None = None
              ) -> Iterator[dict[str, Any]]:
    """``count`` customer rows (column -> value) with unique plausible names,
    each owned by one of ``owners`` in the owner's region."""
    seen: set[str] = set()
    industries = list(INDUSTRY_WORDS)
    made = 0
    while made < count:
        owner = owners[made % len(owners)]
        province, city, area, division = rng.choice(REGIONS[owner.region])
        industry = rng.choice(industries)
        short = city.removesuffix("市")
        brand = rng.choice(BRANDS) if rng.random() < 0.5 else rng.choice(BRANDS)[0] + rng.choice(BRANDS)[1]
        suffix = "集团有限公司" if rng.random() < 0.04 else rng.choice(SUFFIXES)
        name = f"{short}{brand}{rng.choice(INDUSTRY_WORDS[industry])}{suffix}"
        if name in seen:
            name = f"{brand}{short}{rng.choice(INDUSTRY_WORDS[industry])}{suffix}"
        if name in seen:
            continue
        seen.add(name)
        districts = district_of.get((province, city), ()) if district_of else ()
        made += 1
        yield {
            "org_id": org_id, "owner_id": owner.user_id, "department_id": owner.department_id,
            "kind": "company", "name": name, "short_name": f"{brand}{INDUSTRY_WORDS[industry][0]}",
            "uscc": uscc(rng, division), "industry": industry,
            "size": rng.choice(("micro", "small", "small", "medium", "medium", "large", "huge")),
            "province": province, "city": city, "district": rng.choice(districts) if districts else "",
            "address": f"{short}{rng.choice(PARKS)}{rng.randint(1, 99)}号",
            "phone": f"{area}-{rng.randrange(10**7, 10**8) if len(area) == 3 else rng.randrange(10**6, 10**7)}",
            "source": rng.choice(("web", "referral", "exhibition", "cold_call", "advertising", "partner")),
            "level": rng.choices(("vip", "key", "normal", "potential"), (4, 14, 52, 30))[0],
            "value_grade": rng.choices(("A", "B", "C", "D", ""), (8, 22, 35, 20, 15))[0],
            "initial": initial(name),
        }


def load(session: Session, orgs: Mapping[str, int], users: Mapping[str, int]) -> None:
    """The CRM demo in the head office (once, in the kernel demo's transaction)."""
    if "zhangwei" not in users or "lina" not in users:
        return
    rng = random.Random(SEED)
    org_id = orgs["HQ"]
    owners = _organisation(session, org_id, users)
    pool_id = _pool(session, org_id)
    now = utcnow()
    districts = _districts()
    rows = list(companies(rng, owners, CUSTOMERS, org_id=org_id, district_of=districts))
    for row in rows:
        row["owned_since"] = now - timedelta(days=rng.randint(20, 400))
    # 150 customers went back to the pool from their salesperson some weeks ago
    returned = {i: (rows[i]["owner_id"], now - timedelta(days=rng.randint(1, 90)))
                for i in rng.sample(range(len(rows)), 150)}
    for i, (_, back_at) in returned.items():
        rows[i].update(owner_id=None, department_id=None, pool_id=pool_id, owned_since=None,
                       last_followup_at=back_at - timedelta(days=rng.randint(40, 200)))
    ids = create_many(session, None, Customer, rows)
    _groups(session, rng, ids, rows)
    create_many(session, None, OwnershipLog, [
        {"org_id": org_id, "customer_id": i, "action": "create", "to_user_id": owner, "actor_id": owner,
         "at": r["owned_since"] or returned[n][1] - timedelta(days=300)}
        for n, (i, r) in enumerate(zip(ids, rows, strict=True))
        for owner in [r["owner_id"] or returned[n][0]]])
    create_many(session, None, OwnershipLog, [
        {"org_id": org_id, "customer_id": ids[n], "action": "auto_return", "from_user_id": owner,
         "pool_id": pool_id, "at": back_at} for n, (owner, back_at) in returned.items()])
    tag_service.tag_rows(session, org_id, [(i, rng.sample(TAGS, rng.choice((1, 1, 2)))) for i in ids
                                           if rng.random() < 0.35])
    contacts = _contacts(session, rng, ids, rows)
    _followups(session, rng, ids, rows, contacts, now)
    _opportunities(session, rng, org_id, ids, rows, contacts, now)


def _organisation(session: Session, org_id: int, users: Mapping[str, int]) -> list[Owner]:
    """Three regional sales departments under the head office's sales
    department; 张伟 directs, 李娜 runs 华北大区; ten more people."""
    sales = kernel.department_of(session, users["zhangwei"])
    depts = {key: kernel.demo_department(session, org_id, sales, name, name_en)
             for key, name, name_en in DEPARTMENTS}
    kernel.grant_role(session, users["zhangwei"], "crm.director", org_id)
    kernel.move_user(session, users["lina"], depts["north"], "大区经理")
    kernel.grant_role(session, users["lina"], "crm.manager", org_id)
    kernel.set_head(session, depts["north"], users["lina"])
    owners: list[Owner] = []
    for n, (username, name, region, position, role) in enumerate(PEOPLE):
        uid = kernel.demo_user(session, username=username, name=name, org_id=org_id,
                               department_id=depts[region], position=position, phone=f"1361001{n:04d}",
                               like_user_id=users["zhangwei"])
        kernel.grant_role(session, uid, f"crm.{role}", org_id)
        if role == "manager":
            kernel.set_head(session, depts[region], uid)
        else:
            owners.append(Owner(uid, depts[region], region))
    return owners


def _districts() -> dict[tuple[str, str], Sequence[str]]:
    from plugins.crm import regions

    return {(p, c): regions.districts(p, c) for rows in REGIONS.values() for p, c, _, _ in rows}


def _pool(session: Session, org_id: int) -> int:
    """The default public pool, open to salespeople, with its protection rules."""
    pool = Pool(org_id=org_id, name="公共客户池", holding_cap=300, daily_claim_cap=10, cooling_days=15,
                description="无人跟进或被释放的客户，销售员可领取。", is_default=True)
    session.add(pool)
    session.flush()
    role = kernel.role_id(session, "crm.salesperson")
    if role is not None:
        session.add(PoolRole(pool_id=pool.id, role_id=role))
    rules = (("potential", 30, 0, 5), ("normal", 45, 180, 7), ("key", 90, 365, 10), ("vip", 0, 0, 0))
    for level, days, won, warn in rules:
        if days:
            session.add(PoolRule(pool_id=pool.id, level=level, no_followup_days=days, no_won_days=won,
                                 warn_days=warn))
    session.add(Settings(org_id=org_id, default_pool_id=pool.id, followup_lock_days=30))
    session.flush()
    return pool.id


def _groups(session: Session, rng: random.Random, ids: Sequence[int], rows: Sequence[dict[str, Any]]) -> None:
    """Each group company gets two or three subsidiaries of its owner."""
    by_owner: dict[int | None, list[int]] = {}
    for i, row in zip(ids, rows, strict=True):
        by_owner.setdefault(row["owner_id"], []).append(i)
    for i, row in zip(ids, rows, strict=True):
        if row["name"].endswith("集团有限公司") and row["owner_id"] is not None:
            mates = [m for m in by_owner[row["owner_id"]] if m != i]
            children = rng.sample(mates, min(len(mates), rng.choice((2, 3))))
            session.execute(update(Customer).where(Customer.id.in_(children), Customer.parent_id.is_(None))
                            .values(parent_id=i), execution_options={"synchronize_session": False})


def _contacts(session: Session, rng: random.Random, ids: Sequence[int],
              rows: Sequence[dict[str, Any]]) -> dict[int, list[int]]:
    """One to three contacts per customer; the others report to the main one."""
    plan: list[tuple[int, dict[str, Any]]] = []
    for cid, row in zip(ids, rows, strict=True):
        for n in range(rng.choice((1, 2, 2, 3))):
            position, role = POSITIONS[0] if n == 0 else rng.choice(POSITIONS[1:])
            name = person(rng)
            plan.append((cid, {
                "org_id": row["org_id"], "owner_id": row["owner_id"], "department_id": row["department_id"],
                "customer_id": cid, "name": name, "gender": rng.choice(("male", "female")),
                "position": position, "decision_role": role, "mobile": mobile(rng), "is_main": n == 0,
                "email": f"{''.join(lazy_pinyin(name))}.{cid}@example.com",
            }))
    new_ids = create_many(session, None, Contact, [row for _, row in plan])
    out: dict[int, list[int]] = {}
    for (cid, _), new_id in zip(plan, new_ids, strict=True):
        out.setdefault(cid, []).append(new_id)
    _set_many(session, Contact, "reports_to_id",
              {m: members[0] for members in out.values() for m in members[1:]})
    return out


def _followups(session: Session, rng: random.Random, ids: Sequence[int], rows: Sequence[dict[str, Any]],
               contacts: Mapping[int, list[int]], now: datetime) -> None:
    """Follow-ups over the last six months; the customer's last one is noted on it."""
    plan: list[dict[str, Any]] = []
    last: dict[int, datetime] = {}
    for cid, row in zip(ids, rows, strict=True):
        author = row["owner_id"]
        if author is None:
            continue
        for _ in range(rng.choice((0, 1, 2, 3, 4))):
            kind, text, result = rng.choice(FOLLOWUP_TEXT)
            at = now - timedelta(days=rng.randint(1, 180), minutes=rng.randint(0, 600))
            last[cid] = max(last.get(cid, at), at)
            plan.append({"org_id": row["org_id"], "owner_id": author, "department_id": row["department_id"],
                         "customer_id": cid, "contact_id": rng.choice(contacts[cid]), "kind": kind,
                         "happened_at": at, "content": text, "result": result, "author_id": author,
                         "duration_minutes": rng.choice((5, 10, 30, 60, 90)),
                         "next_contact_on": (at + timedelta(days=7)).date() if result == "follow_again"
                         else None})
    create_many(session, None, FollowUp, plan)
    _set_many(session, Customer, "last_followup_at", last)


def _pipeline(session: Session, org_id: int) -> tuple[int, list[Stage]]:
    """The standard pipeline: the sales area's, else made here."""
    try:
        pipelines = import_module("plugins.crm.services.opportunities").ensure_pipelines(session, org_id)
        pipeline_id = int(pipelines[0].id)
    except (ImportError, AttributeError):
        pipeline = Pipeline(org_id=org_id, name="标准产品销售", name_en="Standard product sale",
                            is_default=True)
        session.add(pipeline)
        session.flush()
        for n, (name, probability, kind) in enumerate(STAGES):
            session.add(Stage(pipeline_id=pipeline.id, name=name, sequence=10 * (n + 1),
                              probability=probability, kind=kind))
        session.flush()
        pipeline_id = pipeline.id
    stages = list(session.scalars(select(Stage).where(Stage.pipeline_id == pipeline_id)
                                  .order_by(Stage.sequence)))
    return pipeline_id, stages


def _opportunities(session: Session, rng: random.Random, org_id: int, ids: Sequence[int],
                   rows: Sequence[dict[str, Any]], contacts: Mapping[int, list[int]], now: datetime) -> None:
    pipeline_id, stages = _pipeline(session, org_id)
    plan: list[dict[str, Any]] = []
    won: dict[int, datetime] = {}
    for cid, row in zip(ids, rows, strict=True):
        if row["owner_id"] is None or rng.random() > 0.3:
            continue
        stage = rng.choices(stages, [30, 25, 18, 10, 10, 7][:len(stages)] + [5] * max(0, len(stages) - 6))[0]
        state = stage.kind if stage.kind in ("won", "lost") else "open"
        closed = now - timedelta(days=rng.randint(1, 200)) if state != "open" else None
        if state == "won" and closed is not None:
            won[cid] = max(won.get(cid, closed), closed)
        product = rng.choice(("CRM 系统", "ERP 实施", "年度维保", "数据中台", "展位 36㎡", "培训服务"))
        plan.append({"org_id": org_id, "owner_id": row["owner_id"], "department_id": row["department_id"],
                     "name": f"{row['short_name']} · {product}", "customer_id": cid,
                     "contact_id": contacts[cid][0], "pipeline_id": pipeline_id, "stage_id": stage.id,
                     "state": state, "amount": Decimal(rng.randrange(2, 300) * 5000),
                     "probability": stage.probability, "closed_at": closed,
                     "expected_close_on": (now + timedelta(days=rng.randint(-20, 120))).date(),
                     "stage_entered_at": now - timedelta(days=rng.randint(1, 60)),
                     "lost_reason": rng.choice(("price", "competitor", "budget")) if state == "lost" else ""})
    create_many(session, None, Opportunity, plan)
    _set_many(session, Customer, "last_won_at", won)


def _set_many(session: Session, model: type[Any], column: str, values: Mapping[int, Any]) -> None:
    """One column of many rows (id -> value), as one executemany."""
    if not values:
        return
    table = model.__table__
    stmt = update(table).where(table.c.id == bindparam("row_id")).values({column: bindparam("new_value")})
    session.execute(stmt, [{"row_id": i, "new_value": v} for i, v in values.items()])

"""What the portal part registers (gathered by plugins.exhibitions.hooks):
the staff's menu entry of portal accounts, the exhibitor's profile on the
customer 360 view, and the demo's portal accounts, profile and leads."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from core import N_, MenuItem, Panel, scope

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from core import Actor

MENU = [
    MenuItem("exhibitions.portal_accounts", N_("Portal accounts"), "exhibitions:portal_account_list",
             "exhibitions.portal_account.read", icon="user-shield", section=N_("Exhibitions"), order=470),
]

#: the demo's portal accounts: login e-mail, name, language (one exhibitor each)
DEMO_ACCOUNTS = (("zhao@exhibitor.example.cn", "赵经理", "zh_CN"),
                 ("emma@exhibitor.example.com", "Emma Li", "en"))


def customer_panels(session: Session, actor: Actor, customer: Any) -> list[Panel]:
    """The exhibitor's directory profiles and portal accounts, for staff who may read them."""
    from plugins.exhibitions.models import Edition, ExhibitorProduct, ExhibitorProfile, PortalAccount

    if not (actor.can("exhibitions.exhibitor_profile.read") or actor.can("exhibitions.portal_account.read")):
        return []
    profiles = list(session.execute(select(ExhibitorProfile, Edition.name).join(
        Edition, Edition.id == ExhibitorProfile.edition_id).where(
        ExhibitorProfile.customer_id == customer.id, scope(actor, ExhibitorProfile, "read"))
        .order_by(Edition.opens_on.desc()))) if actor.can("exhibitions.exhibitor_profile.read") else []
    products = list(session.scalars(select(ExhibitorProduct).where(
        ExhibitorProduct.customer_id == customer.id, scope(actor, ExhibitorProduct, "read"))
        .order_by(ExhibitorProduct.edition_id, ExhibitorProduct.sequence))) \
        if actor.can("exhibitions.exhibitor_product.read") else []
    accounts = list(session.scalars(select(PortalAccount).where(
        PortalAccount.customer_id == customer.id, scope(actor, PortalAccount, "read"))
        .order_by(PortalAccount.name))) if actor.can("exhibitions.portal_account.read") else []
    if not (profiles or accounts):
        return []
    return [Panel("exhibitions-portal", N_("Exhibitor portal"), "exhibitions/_portal_customer.html",
                  {"profiles": profiles, "products": products, "accounts": accounts}, order=330)]


def load_demo(session: Session, orgs: dict[str, int], users: dict[str, int], made: dict[str, Any]) -> None:
    """Two portal accounts for two exhibitors with booths in the 25th
    edition, with the demo users' password (the first ``make run``'s), the
    first one's directory profile with two products, and a few leads."""
    from core import User, utcnow
    from plugins.crm.models import Customer
    from plugins.exhibitions.models import (
        Booth,
        Edition,
        ExhibitorProduct,
        ExhibitorProfile,
        Lead,
        PortalAccount,
        Visitor,
    )

    edition_id = (made.get("editions") or {}).get(25)
    edition = session.get(Edition, edition_id) if edition_id else None
    demo_user = session.get(User, next(iter(users.values()))) if users else None
    if edition is None or demo_user is None:
        return
    customers = list(session.scalars(select(Booth.customer_id).where(
        Booth.edition_id == edition.id, Booth.customer_id.is_not(None), Booth.status.in_(("reserved", "sold")))
        .group_by(Booth.customer_id).order_by(Booth.customer_id).limit(2)))
    now = utcnow()
    for customer_id, (email, name, locale) in zip(customers, DEMO_ACCOUNTS, strict=False):
        session.add(PortalAccount(org_id=edition.org_id, owner_id=edition.owner_id, customer_id=customer_id,
                                  email=email, name=name, locale=locale, password_hash=demo_user.password_hash,
                                  invited_at=now))
    session.flush()
    if not customers:
        return
    first = customers[0]
    account = session.scalar(select(PortalAccount).where(PortalAccount.customer_id == first))
    customer = session.get(Customer, first)
    name = customer.name if customer is not None else ""
    session.add(ExhibitorProfile(org_id=edition.org_id, edition_id=edition.id, customer_id=first,
                                 company_name=name, company_name_en=customer.name_en if customer else "",
                                 intro="二十年来专注农业展示与品牌推广。",
                                 intro_en="Twenty years of agricultural exhibitions and brand promotion.",
                                 website="https://www.example.cn/"))
    for n, (zh, en, text) in enumerate((("智能播种机 2BJ-8", "Smart seeder 2BJ-8", "八行精量播种，北斗导航"),
                                        ("拖拉机 LX2204", "Tractor LX2204", "220 马力，动力换挡")), start=1):
        session.add(ExhibitorProduct(org_id=edition.org_id, edition_id=edition.id, customer_id=first, name=zh,
                                     name_en=en, description=text, sequence=n * 10))
    visitors = list(session.scalars(select(Visitor).where(Visitor.edition_id == edition.id)
                                    .order_by(Visitor.id).limit(5)))
    for visitor, rating, note in zip(visitors, ("hot", "warm", "cold", "hot", ""),
                                     ("要报价：8 台播种机", "下月回访", "", "经销商，想谈代理", ""),
                                     strict=False):
        session.add(Lead(org_id=edition.org_id, edition_id=edition.id, customer_id=first, visitor_id=visitor.id,
                         scanned_by_id=account.id if account else None, rating=rating, note=note,
                         scanned_at=now))
    session.flush()

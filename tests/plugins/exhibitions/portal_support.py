"""Helpers of the portal part's tests: two exhibitors of the 25th edition
(``farm`` and ``rival``), each with a sold booth on hall 1's plan and a
portal account whose password is set, and a client logged in to the portal.
The fixtures are imported by the test modules that use them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import update

from core.app import Kernel
from plugins.exhibitions.models import Booth, PortalAccount
from plugins.exhibitions.services import portal as portal_services
from tests.conftest import Client

PORTAL_PASSWORD = "booth-and-leads-2027"


def portal_login(client: Client, email: str, password: str = PORTAL_PASSWORD) -> Any:
    """Log ``client`` in to the portal; the answer (a 303 to the portal's home)."""
    client.get("/exhibitions/portal/login")
    answer = client.submit("/exhibitions/portal/login", {"email": email, "password": password},
                           follow_redirects=False)
    assert answer.status_code == 303, answer.text
    return answer


def account_for(kernel: Kernel, manager: Any, customer_id: int, email: str, name: str,
                locale: str = "zh_CN") -> int:
    """A portal account made by ``manager`` through the service, with its password set."""
    from exhibitions_support import actor_of

    with kernel.db.session() as db:
        account = portal_services.create_account(db, actor_of(kernel, db, manager), {
            "customer_id": str(customer_id), "email": email, "name": name, "locale": locale})
        db.execute(update(PortalAccount).where(PortalAccount.id == account.id).values(
            password_hash=kernel.passwords.hash(PORTAL_PASSWORD)))
        return int(account.id)


@pytest.fixture
def exhibitors(kernel: Kernel, expo: dict[str, Any], plan: Any, booth: Any, new_customer: Any) -> dict[str, Any]:
    """``farm`` (山东寿光蔬菜产业集团, booth A101 sold, 18 m²) and ``rival``
    (北大荒农垦集团, booth A102 sold), each with a portal account
    (``farm_account`` zhao@shouguang.example.cn, ``rival_account``
    li@beidahuang.example.cn); ``plan`` and the booths' ids."""
    farm = new_customer(expo["seller1"], "山东寿光蔬菜产业集团", short_name="寿光蔬菜")
    rival = new_customer(expo["seller2"], "北大荒农垦集团", short_name="北大荒")
    plan_id = plan()
    mine = booth(plan_id, "A101", x=0, y=0, width=6, depth=3)
    theirs = booth(plan_id, "A102", x=6, y=0, width=6, depth=3)
    free = booth(plan_id, "A103", x=12, y=0)
    with kernel.db.session() as db:
        db.execute(update(Booth).where(Booth.id == mine).values(status="sold", customer_id=farm))
        db.execute(update(Booth).where(Booth.id == theirs).values(status="sold", customer_id=rival))
    return {"farm": farm, "rival": rival, "plan": plan_id, "mine": mine, "theirs": theirs, "free": free,
            "farm_account": account_for(kernel, expo["manager"], farm, "zhao@shouguang.example.cn", "赵经理"),
            "rival_account": account_for(kernel, expo["manager"], rival, "li@beidahuang.example.cn", "李主任")}


@pytest.fixture
def portal(kernel: Kernel) -> Iterator[Client]:
    """A second browser, for the exhibitor."""
    with Client(kernel.asgi(), base_url="http://testserver") as c:
        yield c

"""Salespeople and the public pool: seeing pools, claiming within the caps,
the cooling period, and what a pooled customer shows (and hides)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from crm_pool_support import beijing, call, count_owned, log_of, make_pool, owner_of, pooled

from core import Conflict, NotFound, clock
from core.app import Kernel
from core.clock import FakeClock
from plugins.crm.services import pools

HX = {"HX-Request": "true"}


@pytest.fixture
def now() -> Iterator[FakeClock]:
    fake = FakeClock(beijing(date(2026, 3, 2), 9))
    with clock.use(fake):
        yield fake


def test_a_salesperson_claims_from_the_pool_page_and_finds_it_in_their_list(
        client: Any, kernel: Kernel, sales: dict[str, Any]) -> None:
    # given a pool with two customers, one with a phone number
    pool = make_pool(kernel, sales["hq"].id, "华东公海")
    baidu, _ = pooled(kernel, pool, "北京百度网讯科技有限公司", "上海浦东发展银行", phone="021-12345678",
                      city="上海", industry="finance", level="key")
    client.login("rep1")
    # when they open the pool, they see the customers but no phone
    page = client.get(f"/crm/pools/{pool}")
    assert page.status_code == 200
    assert "北京百度网讯科技有限公司" in page.text and "上海浦东发展银行" in page.text
    assert "021-12345678" not in page.text
    # and claim one with its row's button (htmx)
    answer = client.post(f"/crm/pools/{pool}/claim", data={"one": str(baidu)}, headers={
        **HX, "X-CSRF-Token": client.csrf()})
    assert answer.status_code == 200 and 'id="crm-pool-message"' in answer.text
    assert "北京百度网讯科技有限公司" not in answer.text  # gone from the pool
    # then it is theirs, in their list, and logged as a claim from that pool
    assert owner_of(kernel, baidu) == (sales["rep1"].id, None)
    assert "北京百度网讯科技有限公司" in client.get("/crm/customers").text
    assert client.get(f"/crm/customers/{baidu}").status_code == 200
    assert log_of(kernel, baidu) == [("claim", None, sales["rep1"].id, "")]


def test_a_pooled_customer_is_not_readable_through_the_customer_pages(
        client: Any, kernel: Kernel, sales: dict[str, Any]) -> None:
    pool = make_pool(kernel, sales["hq"].id)
    (waiting,) = pooled(kernel, pool, "广州白云山医药", phone="020-88888888")
    client.login("rep1")
    assert client.get(f"/crm/customers/{waiting}").status_code == 404
    assert "广州白云山医药" not in client.get("/crm/customers").text


def test_a_pool_is_visible_only_to_its_roles(client: Any, kernel: Kernel, make: Any,
                                             sales: dict[str, Any]) -> None:
    # given a pool for the managers' role only, and an open one
    closed = make_pool(kernel, sales["hq"].id, "大客户公海", roles=("crm.manager",))
    open_ = make_pool(kernel, sales["hq"].id, "普通公海")
    (vip,) = pooled(kernel, closed, "中国石化")
    client.login("rep1")
    # then a salesperson sees the open one only; the other is not there
    listing = client.get("/crm/pools").text
    assert "普通公海" in listing and "大客户公海" not in listing
    assert client.get(f"/crm/pools/{closed}").status_code == 404
    assert client.get(f"/crm/pools/{open_}").status_code == 200
    with pytest.raises(NotFound):
        call(kernel, sales["rep1"], pools.claim, closed, [vip])
    # while a manager sees and may take from both
    client.cookies.clear()
    client.login("manager")
    assert client.get(f"/crm/pools/{closed}").status_code == 200
    assert [p.name for p in call(kernel, sales["manager"], pools.visible_pools)] == ["大客户公海", "普通公海"]


def test_the_holding_cap_refuses_a_claim_that_would_pass_it_and_names_the_cap(
        client: Any, kernel: Kernel, new_customer: Any, sales: dict[str, Any]) -> None:
    # given a pool allowing 3 customers per person, and a salesperson who owns 2
    pool = make_pool(kernel, sales["hq"].id, "华东公海", holding_cap=3)
    new_customer(sales["rep1"], "自有客户甲")
    new_customer(sales["rep1"], "自有客户乙")
    a, b, c = pooled(kernel, pool, "客户一", "客户二", "客户三")
    # when they claim two at once, nothing moves: that would make 4
    with pytest.raises(Conflict) as refused:
        call(kernel, sales["rep1"], pools.claim, pool, [a, b])
    assert refused.value.params == {"held": "2", "pool": "华东公海", "cap": "3", "left": "1"}
    assert owner_of(kernel, a) == (None, pool) and owner_of(kernel, b) == (None, pool)
    # one is fine
    assert call(kernel, sales["rep1"], pools.claim, pool, [a]) == 1
    # the page says so, in Chinese, with the cap (a plain form post answers 409)
    client.login("rep1")
    answer = client.submit(f"/crm/pools/{pool}/claim", {"customer_id": [str(c)]})
    assert answer.status_code == 409
    assert "华东公海" in answer.text and "3" in answer.text and "每人" in answer.text
    assert count_owned(kernel, sales["rep1"].id) == 3


def test_the_daily_claim_cap_counts_todays_claims_from_the_pool(
        kernel: Kernel, sales: dict[str, Any], now: FakeClock) -> None:
    pool = make_pool(kernel, sales["hq"].id, daily_claim_cap=2)
    ids = pooled(kernel, pool, *(f"客户{i}" for i in range(5)))
    assert call(kernel, sales["rep1"], pools.claim, pool, ids[:2]) == 2
    # a third claim the same day is refused, naming the cap
    with pytest.raises(Conflict) as refused:
        call(kernel, sales["rep1"], pools.claim, pool, [ids[2]])
    assert refused.value.params["cap"] == "2" and refused.value.params["count"] == "2"
    # another salesperson still may
    assert call(kernel, sales["rep2"], pools.claim, pool, [ids[2]]) == 1
    # and the next day (China's day) the first may again
    now.current = beijing(date(2026, 3, 3), 0, 5)
    assert call(kernel, sales["rep1"], pools.claim, pool, [ids[3]]) == 1


def test_a_released_customer_cannot_be_reclaimed_by_its_owner_within_the_cooling_period(
        kernel: Kernel, sales: dict[str, Any], now: FakeClock) -> None:
    pool = make_pool(kernel, sales["hq"].id, "华东公海", cooling_days=7, is_default=True)
    (customer,) = pooled(kernel, pool, "杭州娃哈哈")
    call(kernel, sales["rep1"], pools.claim, pool, [customer])
    # when rep1 gives it back
    now.advance(days=1)
    call(kernel, sales["rep1"], pools.release, [customer], None, "客户暂无需求")
    assert owner_of(kernel, customer) == (None, pool)
    assert log_of(kernel, customer)[-1] == ("release", sales["rep1"].id, None, "客户暂无需求")
    # then rep1 may not claim it for 7 days, and is told when they may
    now.advance(days=6, hours=23)
    with pytest.raises(Conflict) as refused:
        call(kernel, sales["rep1"], pools.claim, pool, [customer])
    assert refused.value.params["customer"] == "杭州娃哈哈" and refused.value.params["days"] == "7"
    assert refused.value.params["date"] == (date(2026, 3, 3) + timedelta(days=7)).isoformat()
    # after the cooling period rep1 may again
    now.advance(hours=2)
    assert call(kernel, sales["rep1"], pools.claim, pool, [customer]) == 1


def test_a_customer_someone_else_claimed_is_refused_with_a_clear_message(
        client: Any, kernel: Kernel, sales: dict[str, Any]) -> None:
    pool = make_pool(kernel, sales["hq"].id)
    (customer,) = pooled(kernel, pool, "深圳华为")
    client.login("rep1")
    client.get(f"/crm/pools/{pool}")  # the page as rep1 saw it
    call(kernel, sales["rep2"], pools.claim, pool, [customer])  # rep2 was quicker
    answer = client.post(f"/crm/pools/{pool}/claim", data={"customer_id": str(customer)},
                         headers={**HX, "X-CSRF-Token": client.csrf()})
    assert "深圳华为 已被他人领取" in answer.text
    assert owner_of(kernel, customer) == (sales["rep2"].id, None)
    # an id that was never in the pool is simply not there
    with pytest.raises(NotFound):
        call(kernel, sales["rep1"], pools.claim, pool, [customer + 1000])


def test_the_pool_page_pages_searches_and_shows_the_quota(client: Any, kernel: Kernel,
                                                          sales: dict[str, Any]) -> None:
    pool = make_pool(kernel, sales["hq"].id, holding_cap=50, daily_claim_cap=10)
    pooled(kernel, pool, *(f"上海贸易{i:02d}" for i in range(35)), level="normal")
    pooled(kernel, pool, "北京银行", level="vip")
    client.login("rep1")
    first = client.get(f"/crm/pools/{pool}").text
    assert "0 / 50" in first and "0 / 10" in first
    assert first.count('name="customer_id"') == 30  # a page of 30
    assert "after=" in first
    found = client.get(f"/crm/pools/{pool}?q=北京", headers=HX).text
    assert "北京银行" in found and "上海贸易" not in found
    vip = client.get(f"/crm/pools/{pool}?level=vip", headers=HX).text
    assert vip.count('name="customer_id"') == 1

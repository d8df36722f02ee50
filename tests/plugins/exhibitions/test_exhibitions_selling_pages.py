"""The selling pages as a user sees them: prices, sell, overdue and sales;
another organisation's edition answers 404."""

from __future__ import annotations

from decimal import Decimal

from selling_support import STANDARD, now, rules  # noqa: F401, F811 - fixtures
from sqlalchemy import select

from plugins.exhibitions.models import Booth, PriceRule


def test_the_pages_show_and_sell(kernel, client, expo, plan, booth, new_customer, now):  # noqa: F811 - the fixture
    rules(kernel, expo, *STANDARD)
    a101 = booth(plan(), "A101")
    farm = new_customer(expo["seller1"], "北京绿源农业科技有限公司")
    client.login("expomanager")
    edition = expo["edition"]
    page = client.get(f"/exhibitions/editions/{edition}/prices")
    assert page.status_code == 200 and "exhibitions-price-rules" in page.text
    bad = client.submit(f"/exhibitions/editions/{edition}/prices",
                           {"rule_kind[]": ["base"], "rule_construction[]": [""], "rule_amount[]": ["0"]})
    assert bad.status_code == 422
    with kernel.db.session(write=False) as db:
        assert len(db.scalars(select(PriceRule).where(PriceRule.edition_id == edition)).all()) == len(STANDARD)
    for name in ("overdue", "sales"):
        assert client.get(f"/exhibitions/editions/{edition}/{name}").status_code == 200
    client.get("/logout")
    client.login("seller1")
    page = client.get(f"/exhibitions/editions/{edition}/sell?booth_ids={a101}&customer_id={farm}")
    assert page.status_code == 200 and "A101" in page.text and "9,720.00" in page.text
    made = client.submit(f"/exhibitions/editions/{edition}/sell",
                            {"booth_ids[]": [str(a101)], "customer_id": str(farm), "make": "contract"},
                            follow_redirects=False)
    assert made.status_code == 303 and made.headers["location"].startswith("/sales/contracts/")
    with kernel.db.session(write=False) as db:
        assert db.get(Booth, a101).status == "reserved"
        assert db.get(Booth, a101).price == Decimal("9720.00")


def test_another_org_gets_404(kernel, client, expo):
    client.login("outsider")
    for name in ("prices", "sell", "overdue", "sales"):
        assert client.get(f"/exhibitions/editions/{expo['edition']}/{name}").status_code == 404

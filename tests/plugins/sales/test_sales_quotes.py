"""Quotes as salespeople and their manager live them: made through the
form's line editor and the services, totals exact to the cent, numbered
from the kernel sequence, approved at once or by the rep's manager,
revised into a new revision under the same number, expired by the daily
job, made from a won opportunity, and private to their owner's scope."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sales_support import actor_of
from sqlalchemy import func, select

from core import Conflict, NotFound, ValidationError
from core.app import Kernel
from core.approvals import decide
from core.models import ApprovalTask
from plugins.sales.models import Quote, QuoteLine
from plugins.sales.services import quotes as services
from plugins.sales.services.documents import today


def count(kernel: Kernel, model: Any) -> int:
    with kernel.db.session(write=False) as db:
        return int(db.scalar(select(func.count()).select_from(model)) or 0)


def line(product: int | None, quantity: str, price: str, discount: str = "0", tax: str = "13",
         description: str = "") -> dict[str, Any]:
    return {"product_id": product, "description": description or f"产品 {product}", "quantity": quantity,
            "unit_price": price, "discount": discount, "tax_rate": tax}


def make_quote(kernel: Kernel, user: Any, customer: int, lines: list[dict[str, Any]], **values: Any) -> int:
    with kernel.db.session() as db:
        quote = services.create_quote(db, actor_of(kernel, db, user),
                                      {"customer_id": customer, "issued_on": today(), "lines": lines, **values})
        return quote.id


def fire(kernel: Kernel, user: Any, quote_id: int, name: str) -> str:
    with kernel.db.session() as db:
        return services.fire(db, actor_of(kernel, db, user), quote_id, name).state


def state_of(kernel: Kernel, quote_id: int) -> str:
    with kernel.db.session(write=False) as db:
        quote = db.get(Quote, quote_id)
        assert quote is not None
        return quote.state


def form_lines(*rows: tuple[str, str, str, str, str]) -> dict[str, list[str]]:
    """The line editor's posted fields: (product id, description, quantity, price, discount) rows."""
    return {"line_product_id[]": [r[0] for r in rows], "line_source[]": [r[0] for r in rows],
            "line_description[]": [r[1] for r in rows], "line_unit[]": ["台" for _ in rows],
            "line_quantity[]": [r[2] for r in rows], "line_unit_price[]": [r[3] for r in rows],
            "line_list_price[]": ["" for _ in rows], "line_discount[]": [r[4] for r in rows],
            "line_tax_rate[]": ["13" for _ in rows]}


# ------------------------------------------------------------------ making quotes


def test_a_quote_is_numbered_and_its_totals_are_exact_to_the_cent(kernel: Kernel, team: dict[str, Any],
                                                                  new_customer: Any, products: dict[str, int]) -> None:
    customer = new_customer(team["rep1"], "北京百度网讯科技有限公司")
    # when rep1 quotes two servers at 5 % off, three licences and the installation (6 % tax)
    quote_id = make_quote(kernel, team["rep1"], customer, [
        line(products["server"], "2", "48000.00", "5"), line(products["license"], "3", "12800"),
        line(products["install"], "1", "3500", tax="6")])
    with kernel.db.session(write=False) as db:
        quote = db.get(Quote, quote_id)
        assert quote is not None
        # then it has the next number of the sequence, revision 1, a draft of rep1
        assert re.fullmatch(r"BJ-\d{4}-00001", quote.number), quote.number
        assert (quote.revision, quote.state, quote.owner_id) == (1, "draft", team["rep1"].id)
        assert quote.valid_until == quote.issued_on + timedelta(days=30)
        # and tax-included lines: 91,200.00 = 80,707.96 + 10,492.04; 38,400.00 = 33,982.30 + 4,417.70;
        # 3,500.00 = 3,301.89 + 198.11
        lines = db.scalars(select(QuoteLine).where(QuoteLine.quote_id == quote_id).order_by(QuoteLine.sequence)).all()
        assert [(x.total, x.amount, x.tax) for x in lines] == [
            (Decimal("91200.00"), Decimal("80707.96"), Decimal("10492.04")),
            (Decimal("38400.00"), Decimal("33982.30"), Decimal("4417.70")),
            (Decimal("3500.00"), Decimal("3301.89"), Decimal("198.11"))]
        assert (quote.subtotal, quote.tax_total, quote.total, quote.discount_total, quote.max_discount) == (
            Decimal("117992.15"), Decimal("15107.85"), Decimal("133100.00"), Decimal("4800.00"), Decimal("5"))
    # the next quote takes the next number
    second = make_quote(kernel, team["rep2"], new_customer(team["rep2"], "美的集团"), [line(None, "1", "100")])
    with kernel.db.session(write=False) as db:
        assert db.get(Quote, second).number.endswith("00002")  # type: ignore[union-attr]


def test_bad_lines_name_each_row_and_field_and_nothing_is_written(kernel: Kernel, team: dict[str, Any],
                                                                   new_customer: Any, products: dict[str, int],
                                                                   client: Any) -> None:
    customer = new_customer(team["rep1"], "格力电器")
    before = (count(kernel, Quote), count(kernel, QuoteLine))
    # when rep1 sends a negative quantity, a price with three decimals in CNY and a discount of 120 %
    with kernel.db.session() as db:
        try:
            services.create_quote(db, actor_of(kernel, db, team["rep1"]), {
                "customer_id": customer, "issued_on": today(), "valid_until": today() - timedelta(days=1),
                "lines": [line(products["server"], "-1", "48000"), line(products["license"], "1", "12800.005"),
                          line(products["install"], "1", "3500", discount="120")]})
            raise AssertionError("accepted")
        except ValidationError as exc:
            errors = exc.errors
    # then each is named on its row, with the bad date, and nothing is written
    assert set(errors) == {"line_1_quantity", "line_2_unit_price", "line_3_discount", "valid_until"}
    assert (count(kernel, Quote), count(kernel, QuoteLine)) == before
    # the page shows each message on its row, keeps what was typed, and writes nothing either
    client.login("rep1")
    response = client.submit("/sales/quotes", {
        "customer_id": str(customer), "currency_code": "CNY", "issued_on": today().isoformat(),
        "tax_included": "1", **form_lines((str(products["server"]), "服务器", "-1", "48000", "0"),
                                          (str(products["license"]), "软件许可", "1", "12800.005", "0"),
                                          (str(products["install"]), "安装调试", "1", "3500", "120"))})
    assert response.status_code == 422
    page = response.text
    assert 'id="line-1-err"' in page and 'id="line-2-err"' in page and 'id="line-3-err"' in page
    assert "12800.005" in page
    assert (count(kernel, Quote), count(kernel, QuoteLine)) == before


def test_the_form_creates_a_quote_with_its_lines(client: Any, kernel: Kernel, team: dict[str, Any],
                                                 new_customer: Any, products: dict[str, int]) -> None:
    customer = new_customer(team["rep1"], "海尔智家")
    client.login("rep1")
    page = client.get("/sales/quotes/new")
    assert page.status_code == 200 and 'id="sales-lines"' in page.text
    # the editor fills a row from the product picked, with the catalog's price
    filled = client.submit("/sales/lines/preview", {
        "customer_id": str(customer), "currency_code": "CNY", "issued_on": today().isoformat(), "tax_included": "1",
        "line_product_id[]": [str(products["server"])], "line_source[]": [""], "line_description[]": [""],
        "line_unit[]": [""], "line_quantity[]": ["2"], "line_unit_price[]": [""], "line_list_price[]": [""],
        "line_discount[]": ["0"], "line_tax_rate[]": [""]}, headers={"HX-Request": "true"})
    assert filled.status_code == 200
    assert 'value="服务器"' in filled.text and 'value="48000.00"' in filled.text and "96,000.00" in filled.text
    # adding a row, removing it
    added = client.submit("/sales/lines/preview", {"add": "1", "currency_code": "CNY", **form_lines(
        (str(products["server"]), "服务器", "2", "48000", "0"))})
    assert added.text.count('name="line_quantity[]"') == 2
    # saving the form
    response = client.submit("/sales/quotes", {
        "customer_id": str(customer), "currency_code": "CNY", "issued_on": "2026-03-02", "valid_until": "2026-04-01",
        "tax_included": "1", "title": "海尔服务器采购", **form_lines(
            (str(products["server"]), "服务器", "2", "48000", "5"), ("", "运费", "1", "200", "0"))},
        follow_redirects=False)
    assert response.status_code == 303, response.text
    with kernel.db.session(write=False) as db:
        quote = db.scalar(select(Quote).where(Quote.title == "海尔服务器采购"))
        assert quote is not None and quote.total == Decimal("91400.00")
        assert quote.valid_until == date(2026, 4, 1)
    detail = client.get(f"/sales/quotes/{quote.id}").text
    assert "91,400.00" in detail and "运费" in detail
    listed = client.get("/sales/quotes?state=draft").text
    assert quote.number in listed and "91,400.00" in listed


# ------------------------------------------------------------------ approval


def test_a_discount_above_10_percent_needs_the_reps_manager(kernel: Kernel, team: dict[str, Any],
                                                            new_customer: Any, products: dict[str, int]) -> None:
    customer = new_customer(team["rep1"], "比亚迪股份有限公司")
    quote_id = make_quote(kernel, team["rep1"], customer, [line(products["license"], "1", "12800", "12")])
    # when rep1 submits a quote with 12 % off
    assert fire(kernel, team["rep1"], quote_id, "submit") == "submitted"
    # then their manager has the task, and it is not approved yet
    with kernel.db.session(write=False) as db:
        tasks = db.scalars(select(ApprovalTask).where(ApprovalTask.model == "sales.quote",
                                                      ApprovalTask.record_id == quote_id)).all()
        assert [(t.user_id, t.status) for t in tasks] == [(team["manager"].id, "pending")]
        task_id = tasks[0].id
    # nobody else may approve it by hand while the chain decides
    with kernel.db.session() as db:
        try:
            services.fire(db, actor_of(kernel, db, team["director"]), quote_id, "approve")
            raise AssertionError("approved by hand")
        except Conflict:
            pass
    # when the manager approves
    with kernel.db.session() as db:
        decide(db, kernel.registry, actor_of(kernel, db, team["manager"]), task_id, "approve", "同意")
    assert state_of(kernel, quote_id) == "approved"


def test_a_small_discount_and_total_are_approved_at_once(kernel: Kernel, team: dict[str, Any],
                                                         new_customer: Any, products: dict[str, int]) -> None:
    customer = new_customer(team["rep1"], "小米科技")
    # 5 % off and 50,000 in all
    quote_id = make_quote(kernel, team["rep1"], customer, [line(None, "1", "52631.58", "5", description="定制开发")])
    with kernel.db.session(write=False) as db:
        assert db.get(Quote, quote_id).total == Decimal("50000.00")  # type: ignore[union-attr]
    assert fire(kernel, team["rep1"], quote_id, "submit") == "approved"
    with kernel.db.session(write=False) as db:
        assert db.scalar(select(func.count(ApprovalTask.id)).where(ApprovalTask.record_id == quote_id,
                                                                   ApprovalTask.model == "sales.quote")) == 0


def test_a_submitted_quote_cannot_be_edited(kernel: Kernel, team: dict[str, Any], new_customer: Any,
                                            client: Any) -> None:
    customer = new_customer(team["rep1"], "联想集团")
    quote_id = make_quote(kernel, team["rep1"], customer, [line(None, "1", "1000", description="咨询")])
    fire(kernel, team["rep1"], quote_id, "submit")
    with kernel.db.session() as db:
        quote = db.get(Quote, quote_id)
        try:
            services.update_quote(db, actor_of(kernel, db, team["rep1"]), quote, {"title": "改"})  # type: ignore[arg-type]
            raise AssertionError("edited")
        except Conflict:
            pass
    client.login("rep1")
    assert client.get(f"/sales/quotes/{quote_id}/edit").status_code == 409


# ------------------------------------------------------------------ scope


def test_another_salespersons_quote_is_not_found(kernel: Kernel, team: dict[str, Any], new_customer: Any,
                                                 client: Any) -> None:
    customer = new_customer(team["rep1"], "腾讯科技")
    quote_id = make_quote(kernel, team["rep1"], customer, [line(None, "1", "1000", description="咨询")])
    # rep2 (same department) neither reads it through the service, the page nor the API
    with kernel.db.session() as db:
        try:
            services.fire(db, actor_of(kernel, db, team["rep2"]), quote_id, "submit")
            raise AssertionError("found")
        except NotFound:
            pass
    client.login("rep2")
    assert client.get(f"/sales/quotes/{quote_id}").status_code == 404
    assert client.get(f"/sales/quotes/{quote_id}/edit").status_code == 404
    assert client.get(f"/api/v1/sales/quote/{quote_id}", headers={"Accept": "application/json"}).status_code == 404
    assert f"/sales/quotes/{quote_id}" not in client.get("/sales/quotes").text
    # their manager does
    client.cookies.clear()
    client.login("manager")
    assert client.get(f"/sales/quotes/{quote_id}").status_code == 200
    assert client.get(f"/api/v1/sales/quote/{quote_id}", headers={"Accept": "application/json"}).status_code == 200


# ------------------------------------------------------------------ revisions, expiry, contracts


def test_revising_keeps_the_old_quote_and_starts_revision_2(kernel: Kernel, team: dict[str, Any],
                                                            new_customer: Any, products: dict[str, int],
                                                            client: Any) -> None:
    customer = new_customer(team["rep1"], "华为技术")
    quote_id = make_quote(kernel, team["rep1"], customer, [line(products["server"], "1", "48000", "2"),
                                                           line(products["install"], "1", "3500", tax="6")])
    fire(kernel, team["rep1"], quote_id, "submit")
    fire(kernel, team["rep1"], quote_id, "send")
    # when rep1 revises the sent quote (on the page)
    client.login("rep1")
    response = client.submit(f"/sales/quotes/{quote_id}/revise", follow_redirects=False)
    assert response.status_code == 303, response.text
    with kernel.db.session(write=False) as db:
        old = db.get(Quote, quote_id)
        new = db.scalar(select(Quote).where(Quote.amends_id == quote_id))
        assert old is not None and new is not None
        # then the old one is kept as revised, the new one is a draft of the same number, revision 2
        assert (old.state, old.revision) == ("revised", 1)
        assert (new.state, new.revision, new.number, new.total) == ("draft", 2, old.number, old.total)
        assert db.scalar(select(func.count(QuoteLine.id)).where(QuoteLine.quote_id == new.id)) == 2
        assert db.scalar(select(func.count(QuoteLine.id)).where(QuoteLine.quote_id == old.id)) == 2
        new_id = new.id
    # the new one is edited, the old one's figures stay
    with kernel.db.session() as db:
        services.update_quote(db, actor_of(kernel, db, team["rep1"]), db.get(Quote, new_id),  # type: ignore[arg-type]
                              {"lines": [line(products["server"], "2", "47000")]})
    with kernel.db.session(write=False) as db:
        assert db.get(Quote, new_id).total == Decimal("94000.00")  # type: ignore[union-attr]
        assert db.get(Quote, quote_id).total == Decimal("50540.00")  # type: ignore[union-attr]
    page = client.get(f"/sales/quotes/{new_id}").text
    assert 'id="sales-revisions"' in page and f"/sales/quotes/{quote_id}" in page
    # a draft cannot be revised
    with kernel.db.session() as db:
        try:
            services.revise_quote(db, actor_of(kernel, db, team["rep1"]), new_id)
            raise AssertionError("revised a draft")
        except Conflict:
            pass


def test_the_daily_job_expires_approved_and_sent_quotes_past_their_validity(
        kernel: Kernel, team: dict[str, Any], new_customer: Any) -> None:
    customer = new_customer(team["rep1"], "京东")
    old = make_quote(kernel, team["rep1"], customer, [line(None, "1", "100", description="旧")],
                     issued_on=today() - timedelta(days=40), valid_until=today() - timedelta(days=1))
    current = make_quote(kernel, team["rep1"], customer, [line(None, "1", "100", description="新")])
    draft = make_quote(kernel, team["rep1"], customer, [line(None, "1", "100", description="草稿")],
                       issued_on=today() - timedelta(days=40), valid_until=today() - timedelta(days=1))
    for quote in (old, current):
        fire(kernel, team["rep1"], quote, "submit")
    with kernel.db.session() as db:
        assert services.expire_due(db, kernel.registry) == [old]
    assert [state_of(kernel, q) for q in (old, current, draft)] == ["expired", "approved", "draft"]
    with kernel.db.session() as db:
        assert services.expire_due(db, kernel.registry) == []


def test_a_contract_is_made_from_an_approved_quote(kernel: Kernel, team: dict[str, Any], new_customer: Any,
                                                   products: dict[str, int], client: Any) -> None:
    from plugins.sales.models import Contract, ContractLine

    customer = new_customer(team["rep1"], "中国移动", uscc="91110000710935440D", address="北京市西城区金融大街29号")
    quote_id = make_quote(kernel, team["rep1"], customer, [line(products["server"], "3", "48000", "3"),
                                                           line(products["license"], "3", "12800")],
                          payment_terms="预付 30%")
    client.login("rep1")
    # a draft offers no contract
    assert client.submit(f"/sales/quotes/{quote_id}/contract").status_code == 409
    fire(kernel, team["rep1"], quote_id, "submit")
    response = client.submit(f"/sales/quotes/{quote_id}/contract", follow_redirects=False)
    assert response.status_code == 303, response.text
    with kernel.db.session(write=False) as db:
        contract = db.scalar(select(Contract).where(Contract.quote_id == quote_id))
        quote = db.get(Quote, quote_id)
        assert contract is not None and quote is not None
        assert (contract.state, contract.total, contract.customer_id) == ("draft", quote.total, customer)
        assert contract.number.startswith("HT-")
        assert (contract.buyer_name, contract.buyer_tax_no, contract.payment_terms) == (
            "中国移动", "91110000710935440D", "预付 30%")
        assert db.scalar(select(func.count(ContractLine.id)).where(ContractLine.contract_id == contract.id)) == 2
        assert quote.state == "accepted"  # the customer took the offer


def test_a_line_takes_the_price_list_of_the_users_own_organisation(kernel: Kernel, team: dict[str, Any],
                                                                   products: dict[str, int], make: Any) -> None:
    """Everyone reads the whole catalog, but a price list belongs to one
    organisation: a branch's rep never gets head office's prices."""
    from plugins.catalog.models import PriceList, PriceListItem
    from plugins.sales.services.lines import line_defaults

    branch = make.org("华南分公司")
    branch_rep = make.user(org=branch, username="gzrep", roles=("crm.salesperson",))
    with kernel.db.session() as db:
        for org, price, priority in ((team["hq"].id, "40000.00", 90), (branch.id, "45000.00", 10)):
            listed = PriceList(org_id=org, name=f"价目表 {org}", currency_code="CNY", priority=priority,
                               active=True)
            db.add(listed)
            db.flush()
            db.add(PriceListItem(price_list_id=listed.id, product_id=products["server"], min_quantity=Decimal(1),
                                 price=Decimal(price)))

    def price(user: Any) -> Decimal:
        with kernel.db.session(write=False) as db:
            row = line_defaults(db, actor_of(kernel, db, user), products["server"], currency="CNY",
                                on=date(2026, 3, 2))
            return Decimal(row["unit_price"])

    assert price(team["rep1"]) == Decimal("40000.00")
    assert price(branch_rep) == Decimal("45000.00")
    with kernel.db.session() as db:
        db.execute(PriceList.__table__.update().where(PriceList.org_id == branch.id).values(active=False))
    assert price(branch_rep) == Decimal("48000.00")  # the list price, not head office's list


def test_a_won_opportunity_offers_a_quote_prefilled_from_the_deal(kernel: Kernel, team: dict[str, Any],
                                                                  new_customer: Any, client: Any) -> None:
    from plugins.crm.services.opportunities import create_opportunity, ensure_pipelines, stages_of

    customer = new_customer(team["rep1"], "宁德时代")
    with kernel.db.session() as db:
        pipeline = ensure_pipelines(db, team["hq"].id)[0]
        stage = next(s for s in stages_of(db, pipeline.id) if s.kind == "open")
        deal = create_opportunity(db, actor_of(kernel, db, team["rep1"]), {
            "name": "宁德产线改造", "customer_id": customer, "pipeline_id": pipeline.id, "stage_id": stage.id,
            "products": [{"name": "产线传感器", "quantity": "10", "amount": "25000"}]})
        db.flush()
        deal_id = deal.id
    client.login("rep1")
    page = client.get(f"/crm/opportunities/{deal_id}").text
    assert 'id="panel-sales-opportunity-quotes"' in page and f"/sales/quotes/new?opportunity_id={deal_id}" in page
    form = client.get(f"/sales/quotes/new?opportunity_id={deal_id}").text
    assert "产线传感器" in form and 'value="2500.00"' in form and "宁德时代" in form


def test_the_api_makes_a_draft_quote_header_and_submitting_it_needs_lines(
        client: Any, kernel: Kernel, team: dict[str, Any], new_customer: Any) -> None:
    customer = new_customer(team["rep1"], "顺丰控股")
    client.login("rep1")
    api = {"X-CSRF-Token": client.csrf(), "Accept": "application/json"}
    created = client.post("/api/v1/sales/quote", json={"customer_id": customer, "currency_code": "CNY",
                                                        "issued_on": "2026-03-02", "title": "快递柜"}, headers=api)
    assert created.status_code == 201, created.text
    quote_id = created.json()["id"]
    with kernel.db.session(write=False) as db:
        quote = db.get(Quote, quote_id)
        assert quote is not None and (quote.owner_id, quote.total, quote.state) == (team["rep1"].id, 0, "draft")
        assert quote.number.startswith("BJ-")
    with kernel.db.session() as db:
        try:
            services.fire(db, actor_of(kernel, db, team["rep1"]), quote_id, "submit")
            raise AssertionError("submitted without lines")
        except ValidationError as exc:
            assert set(exc.errors) == {"lines"}
    # a customer the rep may not see is refused, naming the field
    other = new_customer(team["rep3"], "别人的客户")
    refused = client.post("/api/v1/sales/quote", json={"customer_id": other, "currency_code": "CNY",
                                                        "issued_on": "2026-03-02"}, headers=api)
    assert refused.status_code == 422 and "customer_id" in refused.text
    # nor through the page's workflow button or the API's transition
    assert client.submit(f"/workflow/sales.quote/{quote_id}/submit",
                         headers={"Accept": "application/json"}).status_code == 409
    assert client.post(f"/api/v1/sales/quote/{quote_id}/transitions/submit", json={},
                       headers=api).status_code == 409
    assert state_of(kernel, quote_id) == "draft"

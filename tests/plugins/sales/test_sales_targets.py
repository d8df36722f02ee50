"""Sales targets: the settings that say what counts, the yearly grid of
targets against what people and teams reached, and who sees and sets it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sales_targets_support import actor_of, record_receipt, row_of, set_basis, set_target, void_receipt
from sqlalchemy import func, select

from core import Forbidden, NotFound, ValidationError
from plugins.sales.models import SalesSettings, Target
from plugins.sales.services import settings as settings_service
from plugins.sales.services import targets


@pytest.fixture
def sales(kernel, make, team, new_customer, products, make_contract):
    """Contracts of 2026 (base CNY): rep1 signs 96,000.00 on 2 March,
    3,500.00 on 20 March, US$1,000.00 (at 7.10: 7,100.00) on 15 March and
    12,800.00 on 10 April; a draft and a terminated contract of March do
    not count. rep3 (销售二部) signs 48,000.00 in March; rep4, in 北区 under
    销售一部, 12,800.00 in March."""
    north = make.department(team["hq"], "销售一部北区", parent=team["one"])
    rep4 = make.user(org=team["hq"], department=north, username="rep4", name="周销售", roles=("crm.salesperson",))
    customer = new_customer(team["rep1"], "北京星河科技有限公司")
    other = new_customer(team["rep3"], "上海云帆贸易有限公司")
    north_customer = new_customer(rep4, "天津海岸物流有限公司")
    s, i, lic = products["server"], products["install"], products["license"]
    make_contract(team["rep1"], customer, [(s, "2", "48000.00", "0")], state="signed", signed_on=date(2026, 3, 2))
    make_contract(team["rep1"], customer, [(i, "1", "3500.00", "0")], state="executing",
                  signed_on=date(2026, 3, 20))
    make_contract(team["rep1"], customer, [(lic, "1", "1000.00", "0")], state="signed",
                  signed_on=date(2026, 3, 15), currency_code="USD")
    make_contract(team["rep1"], customer, [(lic, "1", "12800.00", "0")], state="completed",
                  signed_on=date(2026, 4, 10))
    make_contract(team["rep1"], customer, [(s, "5", "48000.00", "0")], state="draft", signed_on=date(2026, 3, 9))
    make_contract(team["rep1"], customer, [(s, "1", "48000.00", "0")], state="terminated",
                  signed_on=date(2026, 3, 9))
    make_contract(team["rep3"], other, [(s, "1", "48000.00", "0")], state="signed", signed_on=date(2026, 3, 8))
    make_contract(rep4, north_customer, [(lic, "1", "12800.00", "0")], state="signed",
                  signed_on=date(2026, 3, 10))
    return {**team, "north": north, "rep4": rep4, "customer": customer}


def grid_for(kernel, user, kind="people", year=2026):
    with kernel.db.session(write=False) as db:
        return targets.grid(db, actor_of(kernel, db, user), year, kind)


# ------------------------------------------------------------------ settings


def test_the_settings_are_made_with_their_defaults_on_first_use(kernel, team):
    with kernel.db.session() as db:
        settings = settings_service.settings_of(db, team["hq"].id)
        assert (settings.target_basis, settings.remind_days, settings.escalate_days) == ("contracts", 7, 15)
    with kernel.db.session(write=False) as db:
        assert db.scalar(select(func.count()).select_from(SalesSettings)) == 1


def test_the_director_changes_the_settings_and_bad_input_names_each_field(kernel, team):
    with kernel.db.session() as db:
        director = actor_of(kernel, db, team["director"])
        with pytest.raises(ValidationError) as caught:
            settings_service.save_settings(db, director, {"target_basis": "orders", "remind_days": "-3",
                                                          "escalate_days": "400"})
        assert set(caught.value.errors) == {"target_basis", "remind_days", "escalate_days"}
    with kernel.db.session(write=False) as db:
        assert db.scalar(select(func.count()).select_from(SalesSettings)) == 0  # nothing written
    with kernel.db.session() as db:
        settings_service.save_settings(db, actor_of(kernel, db, team["director"]),
                                       {"target_basis": "receipts", "remind_days": "5", "escalate_days": "10"})
    with kernel.db.session(write=False) as db:
        settings = db.scalar(select(SalesSettings))
        assert (settings.target_basis, settings.remind_days, settings.escalate_days) == ("receipts", 5, 10)


def test_a_salesperson_may_not_change_the_settings(kernel, team):
    with kernel.db.session() as db, pytest.raises(Forbidden):
        settings_service.save_settings(db, actor_of(kernel, db, team["rep1"]),
                                       {"target_basis": "receipts", "remind_days": "5", "escalate_days": "10"})


# ------------------------------------------------------------------ actuals


def test_actuals_count_the_contracts_signed_each_month_in_the_base_currency(kernel, sales):
    set_target(kernel, sales["rep1"], 2026, 3, "100000.00")
    grid = grid_for(kernel, sales["director"])
    rep1 = row_of(grid, sales["rep1"].id)
    # 96,000.00 + 3,500.00 + US$1,000.00 × 7.10; the draft and the terminated contract left out
    assert rep1.cells[2].actual == Decimal("106600.00")
    assert rep1.cells[2].target == Decimal("100000.00")
    assert rep1.cells[2].percent == Decimal("106.6")
    assert rep1.cells[3].actual == Decimal("12800.00")
    assert rep1.cells[3].percent is None  # no target in April
    assert rep1.actual == Decimal("119400.00")
    assert row_of(grid, sales["rep3"].id).cells[2].actual == Decimal("48000.00")
    assert grid.totals[2].actual == Decimal("167400.00")  # 106,600 + 48,000 + 12,800
    assert (grid.basis, grid.currency, grid.left_out) == ("contracts", "CNY", [])


def test_a_currency_without_a_rate_is_left_out_and_named(kernel, sales, make_contract, products):
    make_contract(sales["rep1"], sales["customer"], [(products["license"], "1", "90000", "0")], state="signed",
                  signed_on=date(2026, 3, 3), currency_code="EUR")
    grid = grid_for(kernel, sales["director"])
    assert row_of(grid, sales["rep1"].id).cells[2].actual == Decimal("106600.00")
    assert grid.left_out == ["EUR"]


def test_a_teams_actual_includes_the_departments_below_it(kernel, sales):
    grid = grid_for(kernel, sales["director"], "teams")
    assert row_of(grid, sales["one"].id).cells[2].actual == Decimal("119400.00")  # rep1 106,600 + 北区 12,800
    assert row_of(grid, sales["north"].id).cells[2].actual == Decimal("12800.00")
    assert row_of(grid, sales["two"].id).cells[2].actual == Decimal("48000.00")
    assert row_of(grid, sales["one"].id).cells[3].actual == Decimal("12800.00")


def test_actuals_count_the_receipts_of_the_month_when_the_settings_say_so(kernel, sales, make_contract,
                                                                          products):
    set_basis(kernel, sales["hq"].id, "receipts")
    contract = make_contract(sales["rep1"], sales["customer"], [(products["server"], "2", "48000.00", "0")],
                             state="signed")
    record_receipt(kernel, contract, "30000.00", date(2026, 3, 5), hook=False)
    record_receipt(kernel, contract, "20000.00", date(2026, 3, 18), hook=False)
    record_receipt(kernel, contract, "-5000.00", date(2026, 3, 25), kind="refund", hook=False)
    voided = record_receipt(kernel, contract, "10000.00", date(2026, 3, 26), hook=False)
    void_receipt(kernel, voided)
    record_receipt(kernel, contract, "1000.00", date(2026, 4, 2), hook=False)
    grid = grid_for(kernel, sales["director"])
    rep1 = row_of(grid, sales["rep1"].id)
    assert grid.basis == "receipts"
    assert rep1.cells[2].actual == Decimal("45000.00")  # 30,000 + 20,000 − 5,000 refunded; the void left out
    assert rep1.cells[3].actual == Decimal("1000.00")
    team_grid = grid_for(kernel, sales["director"], "teams")
    assert row_of(team_grid, sales["one"].id).cells[2].actual == Decimal("45000.00")


# ------------------------------------------------------------------ who sees what


def test_a_salesperson_sees_only_their_own_targets(kernel, sales):
    set_target(kernel, sales["rep2"], 2026, 3, "50000.00")
    grid = grid_for(kernel, sales["rep1"])
    assert [r.key for r in grid.rows] == [sales["rep1"].id]
    assert grid.totals[2].actual == Decimal("106600.00")
    assert grid.totals[2].target is None  # rep2's target is not theirs to see
    assert grid_for(kernel, sales["rep1"], "teams").rows == []
    assert grid.editable is False


def test_a_manager_sees_the_people_and_teams_of_their_department_and_below(kernel, sales):
    people = {r.key for r in grid_for(kernel, sales["manager"]).rows}
    assert people == {sales["manager"].id, sales["rep1"].id, sales["rep2"].id, sales["rep4"].id}
    teams = {r.key for r in grid_for(kernel, sales["manager"], "teams").rows}
    assert teams == {sales["one"].id, sales["north"].id}


def test_the_widget_shows_my_months_and_my_teams_for_a_manager(kernel, sales):
    set_target(kernel, sales["rep1"], 2026, 3, "80000.00")
    with kernel.db.session(write=False) as db:
        mine = targets.my_progress(db, actor_of(kernel, db, sales["rep1"]), 2026)
        assert len(mine) == 1
        assert (mine[0].cells[2].target, mine[0].cells[2].actual) == (Decimal("80000.00"), Decimal("106600.00"))
        managed = targets.my_progress(db, actor_of(kernel, db, sales["manager"]), 2026)
        assert [r.name for r in managed] == ["钱经理", "销售一部"]
        assert managed[1].cells[2].actual == Decimal("119400.00")


# ------------------------------------------------------------------ setting targets


def test_the_director_sets_a_years_targets_in_one_save(kernel, sales):
    rep1, rep2 = sales["rep1"].id, sales["rep2"].id
    with kernel.db.session() as db:
        changed = targets.save_targets(db, actor_of(kernel, db, sales["director"]), "2026", "people", {
            f"target_{rep1}_3": "100,000", f"target_{rep1}_4": "120000.50", f"target_{rep2}_3": "",
            "csrf_token": "x"})
    assert changed == 2
    grid = grid_for(kernel, sales["director"])
    assert [c.target for c in row_of(grid, rep1).cells[2:4]] == [Decimal("100000.00"), Decimal("120000.50")]
    with kernel.db.session() as db:  # a blank cell removes the target, a new amount replaces it
        targets.save_targets(db, actor_of(kernel, db, sales["director"]), "2026", "people",
                             {f"target_{rep1}_3": "", f"target_{rep1}_4": "90000"})
    with kernel.db.session(write=False) as db:
        assert [(t.month, t.amount) for t in db.scalars(select(Target))] == [(4, Decimal("90000.00"))]


def test_team_targets_are_set_on_departments(kernel, sales):
    with kernel.db.session() as db:
        targets.save_targets(db, actor_of(kernel, db, sales["director"]), 2026, "teams",
                             {f"target_{sales['one'].id}_3": "200000"})
    row = row_of(grid_for(kernel, sales["director"], "teams"), sales["one"].id)
    assert (row.cells[2].target, row.cells[2].percent) == (Decimal("200000.00"), Decimal("59.7"))


def test_a_bad_cell_is_named_and_nothing_is_written(kernel, sales):
    rep1, rep2 = sales["rep1"].id, sales["rep2"].id
    with kernel.db.session() as db, pytest.raises(ValidationError) as caught:
        targets.save_targets(db, actor_of(kernel, db, sales["director"]), 2026, "people", {
            f"target_{rep1}_3": "100000", f"target_{rep1}_6": "-1", f"target_{rep2}_5": "abc",
            f"target_{rep2}_7": "10.005"})
    assert set(caught.value.errors) == {f"target_{rep1}_6", f"target_{rep2}_5", f"target_{rep2}_7"}
    with kernel.db.session(write=False) as db:
        assert db.scalar(select(func.count()).select_from(Target)) == 0


def test_only_who_may_set_targets_sets_them_and_only_within_reach(kernel, make, sales):
    elsewhere = make.org("华南分公司")
    stranger = make.user(org=elsewhere, username="rep9", roles=("crm.salesperson",))
    for who in ("rep1", "manager"):
        with kernel.db.session() as db, pytest.raises(Forbidden):
            targets.save_targets(db, actor_of(kernel, db, sales[who]), 2026, "people",
                                 {f"target_{sales['rep1'].id}_3": "1"})
    with kernel.db.session() as db, pytest.raises(NotFound):
        targets.save_targets(db, actor_of(kernel, db, sales["director"]), 2026, "people",
                             {f"target_{stranger.id}_3": "1", f"target_{sales['rep1'].id}_3": "1"})
    with kernel.db.session(write=False) as db:
        assert db.scalar(select(func.count()).select_from(Target)) == 0


# ------------------------------------------------------------------ the pages


def test_the_targets_page_shows_target_actual_and_chart_and_saves_the_grid(kernel, client, sales):
    rep1 = sales["rep1"].id
    client.login("director")
    page = client.get("/sales/targets?year=2026")
    assert page.status_code == 200
    assert "<svg" in page.text and "孙销售" in page.text and "106,600" in page.text
    edit = client.get("/sales/targets?year=2026&edit=1")
    assert f'name="target_{rep1}_3"' in edit.text
    bad = client.submit("/sales/targets", {"year": "2026", "kind": "people", f"target_{rep1}_3": "12x"})
    assert bad.status_code == 422
    assert 'is-invalid' in bad.text and f'id="target_{rep1}_3"' in bad.text
    saved = client.submit("/sales/targets", {"year": "2026", "kind": "people", f"target_{rep1}_3": "100000"},
                          follow_redirects=False)
    assert saved.status_code == 303 and "year=2026" in saved.headers["location"]
    assert "106.6%" in client.get("/sales/targets?year=2026").text
    teams = client.get("/sales/targets?year=2026&kind=teams").text
    assert "销售一部北区" in teams and "119,400" in teams


def test_a_salesperson_may_read_but_not_save_targets(kernel, client, sales):
    client.login("rep1")
    page = client.get("/sales/targets?year=2026").text
    assert "孙销售" in page and "李销售" not in page and 'id="sales-targets-edit"' not in page
    refused = client.submit("/sales/targets", {"year": "2026", "kind": "people",
                                               f"target_{sales['rep1'].id}_3": "1"})
    assert refused.status_code == 403
    with kernel.db.session(write=False) as db:
        assert db.scalar(select(func.count()).select_from(Target)) == 0


def test_the_settings_page_saves_and_names_a_bad_field(kernel, client, team):
    client.login("director")
    assert client.get("/sales/settings").status_code == 200
    bad = client.submit("/sales/settings", {"target_basis": "receipts", "remind_days": "x", "escalate_days": "3"})
    assert bad.status_code == 422 and 'name="remind_days" id="sales-settings-remind" value="x"' in bad.text
    ok = client.submit("/sales/settings", {"target_basis": "receipts", "remind_days": "3", "escalate_days": "9"},
                       follow_redirects=False)
    assert ok.status_code == 303
    with kernel.db.session(write=False) as db:
        assert db.scalar(select(SalesSettings.remind_days)) == 3
    client.cookies.clear()
    client.login("rep1")
    assert client.get("/sales/settings").status_code == 403


def test_the_workbench_widget_charts_my_year(kernel, client, sales):
    client.login("manager")
    widget = client.get("/dashboard/widgets/sales.target_actual")
    assert widget.status_code == 200
    assert widget.text.count("<svg") == 2 and "钱经理" in widget.text and "销售一部" in widget.text

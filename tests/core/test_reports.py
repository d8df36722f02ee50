"""core.reports: declared datasets aggregated in SQL under the reader's
permissions, checked against totals computed by hand in SQL on generated
claims (several hundred, four owners in two organisations, six months), on
SQLite and on PostgreSQL alike."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, insert, select, update

from core import Forbidden, ReportQuery, ValidationError, aggregate, describe, records_behind
from core.models import FieldRule, RoleAssignment, User
from core.permissions import load_actor

STATES = ("draft", "submitted", "approved", "paid", "cancelled")
CATEGORIES = ("travel", "meals", "equipment")
MONTHS = [date(2026, m, 1) for m in range(1, 7)]
CHINA = timedelta(hours=8)


def expense_model() -> Any:
    from suanpan_notes.models import Expense

    return Expense


def month_bounds(first: date) -> tuple[datetime, datetime]:
    """A month in China's time, as UTC instants."""
    after = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return (datetime(first.year, first.month, 1, tzinfo=UTC) - CHINA,
            datetime(after.year, after.month, 1, tzinfo=UTC) - CHINA)


@pytest.fixture
def claims(kernel, make):
    """600 claims of lina, wang (department sales) and zhang (department ops)
    in head office, and chen in the east branch; a few near midnight in China,
    a few in the recycle bin. Returns the people and the orgs."""
    hq, east = make.hq(), make.org("华东分公司")
    sales, ops = make.department(hq, "销售部"), make.department(hq, "运营部")
    people = {
        "lina": make.user(org=hq, department=sales, username="lina", name="李娜", roles=()),
        "wang": make.user(org=hq, department=sales, username="wang", name="王芳", roles=()),
        "zhang": make.user(org=hq, department=ops, username="zhang", name="张伟", roles=()),
        "chen": make.user(org=east, username="chen", name="陈杰", roles=()),
    }
    dept = {"lina": sales.id, "wang": sales.id, "zhang": ops.id, "chen": None}
    rng = random.Random(5)
    rows = []
    for n in range(600):
        who = rng.choice(list(people))
        month = rng.choice(MONTHS)
        start, end = month_bounds(month)
        at = start + timedelta(seconds=rng.randrange(int((end - start).total_seconds())))
        if n % 50 == 0:
            at = end - timedelta(minutes=1)  # 23:59 in China on the month's last day: still this month
        rows.append({"org_id": people[who].org_id, "owner_id": people[who].id, "department_id": dept[who],
                     "title": f"报销{n}", "amount": Decimal(rng.randrange(100, 500_000)) / 100,
                     "category": rng.choice(CATEGORIES), "state": rng.choice(STATES),
                     "created_at": at, "updated_at": at,
                     "deleted_at": at if n % 97 == 0 else None})
    with kernel.db.session() as db:
        db.execute(insert(expense_model()), rows)
    return people, {"hq": hq, "east": east}


def actor(kernel, user, **grants: str):
    """The actor of ``user`` after granting ``grants`` (code -> scope) in their org."""
    if grants:
        from core.admin import services
        from core.models import Role

        with kernel.db.session() as db:
            role = services.create_role(db, None, {"key": f"reader{user.id}{len(grants)}",  # type: ignore[arg-type]
                                                   "name": "读者"})
            services.set_role_grants(db, role, grants, kernel.registry)
            db.add(RoleAssignment(user_id=user.id, role_id=role.id, org_id=user.org_id))
            assert isinstance(role, Role)
    with kernel.db.session(write=False) as db:
        return load_actor(db, db.get(User, user.id), all_codes=set(kernel.registry.permissions))


def run(kernel, reader, query: ReportQuery):
    with kernel.db.session(write=False) as db:
        return aggregate(db, reader, kernel.registry, query)


def hand_totals(kernel, *where) -> dict[tuple[int, date], tuple[int, Decimal]]:
    """(owner, month) -> (claims, amount), month by month with plain range conditions."""
    expense = expense_model()
    out = {}
    with kernel.db.session(write=False) as db:
        for month in MONTHS:
            start, end = month_bounds(month)
            stmt = (select(expense.owner_id, func.count(), func.sum(expense.amount))
                    .where(expense.deleted_at.is_(None), expense.created_at >= start,
                           expense.created_at < end, *where)
                    .group_by(expense.owner_id))
            for owner, n, amount in db.execute(stmt):
                out[(owner, month)] = (n, Decimal(amount).quantize(Decimal("0.01")))
    return out


# ------------------------------------------------------------------ the numbers


def test_a_grouped_report_equals_the_totals_computed_by_hand(kernel, claims):
    people, orgs = claims
    expense = expense_model()
    # given an auditor who reads every claim of head office
    auditor = actor(kernel, people["lina"], **{"notes.expense.read": "org"})
    # when claims past the draft are grouped by owner and month
    query = ReportQuery("notes.expenses", rows=("owner_id", "created_at:month"),
                        measures=("claims", "amount"),
                        filters={"state": ["submitted", "approved", "paid"]})
    result = run(kernel, auditor, query)
    # then every group equals the hand-computed SQL total of head office
    expected = hand_totals(kernel, expense.org_id == orgs["hq"].id,
                           expense.state.in_(["submitted", "approved", "paid"]))
    got = {(r.keys[0], date.fromisoformat(r.keys[1] + "-01")): tuple(r.values) for r in result.rows}
    assert got == expected
    assert len(got) == 18  # three owners of head office, six months
    assert result.totals == (sum(n for n, _ in expected.values()), sum(a for _, a in expected.values()))
    assert all(isinstance(r.values[0], int) and isinstance(r.values[1], Decimal) for r in result.rows)
    # and the rows come in order of their keys
    assert [r.keys for r in result.rows] == sorted(r.keys for r in result.rows)
    assert not result.truncated


def test_another_owners_and_another_orgs_claims_never_count(kernel, claims):
    people, orgs = claims
    expense = expense_model()
    # given wang, who reads their own claims only
    wang = actor(kernel, people["wang"], **{"notes.expense.read": "own"})
    result = run(kernel, wang, ReportQuery("notes.expenses", rows=("owner_id",), measures=("claims", "amount")))
    # then only wang's rows count
    assert [r.keys for r in result.rows] == [(people["wang"].id,)]
    mine = {k: v for k, v in hand_totals(kernel, expense.owner_id == people["wang"].id).items()}
    assert result.totals == (sum(n for n, _ in mine.values()), sum(a for _, a in mine.values()))
    # and a head-office auditor never counts the east branch
    auditor = actor(kernel, people["zhang"], **{"notes.expense.read": "org"})
    owners = {r.keys[0] for r in run(kernel, auditor, ReportQuery("notes.expenses", rows=("owner_id",))).rows}
    assert owners == {people["lina"].id, people["wang"].id, people["zhang"].id}
    # and a department reader sees their department only
    sales = actor(kernel, people["lina"], **{"notes.expense.read": "department"})
    owners = {r.keys[0] for r in run(kernel, sales, ReportQuery("notes.expenses", rows=("owner_id",))).rows}
    assert owners == {people["lina"].id, people["wang"].id}


def test_claims_in_the_recycle_bin_never_count(kernel, claims):
    people, _orgs = claims
    expense = expense_model()
    admin = actor(kernel, people["lina"], **{"notes.expense.read": "all"})
    result = run(kernel, admin, ReportQuery("notes.expenses", measures=("claims",)))
    with kernel.db.session(write=False) as db:
        live = db.scalar(select(func.count()).select_from(expense).where(expense.deleted_at.is_(None)))
        deleted = db.scalar(select(func.count()).select_from(expense).where(expense.deleted_at.is_not(None)))
    assert deleted > 0 and result.totals == (live,)
    assert result.rows == []  # no dimension: the totals only


def test_every_measure_and_a_pivot_of_category_by_state(kernel, claims):
    people, orgs = claims
    expense = expense_model()
    auditor = actor(kernel, people["lina"], **{"notes.expense.read": "org"})
    result = run(kernel, auditor, ReportQuery("notes.expenses", rows=("category",), columns=("state",)))
    assert [m.name for m in result.measures] == ["claims", "amount", "average", "claimants"]
    with kernel.db.session(write=False) as db:
        stmt = (select(expense.category, expense.state, func.count(), func.sum(expense.amount),
                       func.count(expense.owner_id.distinct()))
                .where(expense.org_id == orgs["hq"].id, expense.deleted_at.is_(None))
                .group_by(expense.category, expense.state))
        expected = {(c, s): (n, Decimal(a).quantize(Decimal("0.01")), k) for c, s, n, a, k in db.execute(stmt)}
    got = {(r.keys[0], r.columns[0]): (r.values[0], r.values[1], r.values[3]) for r in result.rows}
    assert got == expected
    # averages are the sums over the counts, at the column's two decimals
    for r in result.rows:
        assert r.values[2] == (r.values[1] / r.values[0]).quantize(Decimal("0.01"))
    # choices come in their declared order, states in the workflow's
    assert [k for k in dict.fromkeys(r.keys[0] for r in result.rows)] == ["travel", "meals", "equipment"]
    states = [r.columns[0] for r in result.rows if r.keys[0] == "travel"]
    assert states == [s for s in STATES if ("travel", s) in expected]


def test_months_quarters_years_and_days_are_counted_in_chinas_time(kernel, make):
    expense = expense_model()
    owner = make.user(username="lina", roles=())
    reader = actor(kernel, owner, **{"notes.expense.read": "own"})
    # 2026-03-31 16:30 UTC is 2026-04-01 00:30 in Beijing
    moments = [datetime(2026, 3, 31, 16, 30, tzinfo=UTC), datetime(2026, 3, 31, 15, 30, tzinfo=UTC),
               datetime(2025, 12, 31, 16, 0, tzinfo=UTC)]
    with kernel.db.session() as db:
        db.execute(insert(expense), [{"org_id": owner.org_id, "owner_id": owner.id, "title": "t",
                                      "amount": Decimal("1.00"), "created_at": m, "updated_at": m}
                                     for m in moments])
    keys = {}
    for grain in ("day", "month", "quarter", "year"):
        result = run(kernel, reader, ReportQuery("notes.expenses", rows=(f"created_at:{grain}",),
                                                 measures=("claims",)))
        keys[grain] = [(r.keys[0], r.values[0]) for r in result.rows]
    assert keys["day"] == [("2026-01-01", 1), ("2026-03-31", 1), ("2026-04-01", 1)]
    assert keys["month"] == [("2026-01", 1), ("2026-03", 1), ("2026-04", 1)]
    assert keys["quarter"] == [("2026-Q1", 2), ("2026-Q2", 1)]
    assert keys["year"] == [("2026", 3)]
    # a date without a grain is grouped by day
    plain = run(kernel, reader, ReportQuery("notes.expenses", rows=("created_at",), measures=("claims",)))
    assert [r.keys[0] for r in plain.rows] == ["2026-01-01", "2026-03-31", "2026-04-01"]
    # and a date filter keeps whole days in China's time
    april = run(kernel, reader, ReportQuery("notes.expenses", measures=("claims",),
                                            filters={"created_at": (date(2026, 4, 1), None)}))
    assert april.totals == (1,)


def test_the_limit_truncates_the_groups_not_the_totals(kernel, claims):
    people, _orgs = claims
    auditor = actor(kernel, people["lina"], **{"notes.expense.read": "org"})
    result = run(kernel, auditor, ReportQuery("notes.expenses", rows=("owner_id", "created_at:month"),
                                              measures=("claims",), limit=5))
    assert len(result.rows) == 5 and result.truncated
    full = run(kernel, auditor, ReportQuery("notes.expenses", measures=("claims",)))
    assert result.totals == full.totals


# ------------------------------------------------------------------ labels


def test_keys_show_names_the_reader_may_read_and_labels_of_choices(kernel, claims):
    people, _orgs = claims
    query = ReportQuery("notes.expenses", rows=("owner_id", "state", "category"), measures=("claims",))
    # given a reader who may read users of head office
    reader = actor(kernel, people["lina"], **{"notes.expense.read": "org", "core.user.read": "org"})
    result = run(kernel, reader, query)
    assert result.label("owner_id", people["wang"].id) == "王芳"
    assert result.label("state", "submitted") == "Awaiting approval"  # the workflow's label (a message id)
    assert result.label("category", "meals") == "Meals"  # the column's info["choices"]
    assert result.label("owner_id", None) == "(none)"
    # a reader who may not read users sees ids
    blind = actor(kernel, people["zhang"], **{"notes.expense.read": "org"})
    assert run(kernel, blind, query).label("owner_id", people["wang"].id) == f"#{people['wang'].id}"
    # and one who may read users of another org only sees the ids of head office's
    east = actor(kernel, people["chen"], **{"notes.expense.read": "all", "core.user.read": "org"})
    result = run(kernel, east, query)
    assert result.label("owner_id", people["chen"].id) == "陈杰"
    assert result.label("owner_id", people["wang"].id) == f"#{people['wang'].id}"


def test_describe_lists_what_the_reader_may_use(kernel, claims):
    people, _orgs = claims
    reader = actor(kernel, people["lina"], **{"notes.expense.read": "own"})
    view = describe(reader, kernel.registry, "notes.expenses")
    assert [d.column for d in view.dimensions] == ["category", "state", "created_at", "owner_id", "org_id"]
    kinds = {d.column: d.kind for d in view.dimensions}
    assert kinds == {"category": "choice", "state": "choice", "created_at": "date", "owner_id": "ref",
                     "org_id": "ref"}
    assert [m.name for m in view.measures] == ["claims", "amount", "average", "claimants"]
    assert [f.column for f in view.filters] == ["category", "state", "created_at", "owner_id", "amount"]
    with pytest.raises(Forbidden):
        describe(actor(kernel, people["chen"]), kernel.registry, "notes.expenses")


# ------------------------------------------------------------------ refusals


def test_a_field_hidden_from_the_reader_cannot_be_grouped_measured_or_filtered(kernel, claims):
    people, _orgs = claims
    # given a role that reads claims with the amount and the category hidden
    reader = actor(kernel, people["wang"], **{"notes.expense.read": "own"})
    with kernel.db.session() as db:
        role_id = db.scalar(select(RoleAssignment.role_id).where(RoleAssignment.user_id == people["wang"].id))
        db.add(FieldRule(role_id=role_id, model="notes.expense", field="amount", mode="hidden"))
        db.add(FieldRule(role_id=role_id, model="notes.expense", field="category", mode="hidden"))
    reader = actor(kernel, people["wang"])
    hidden = "This field is hidden from you: a report cannot use it."
    # then each use of them is refused, naming the field
    for query, name in [
        (ReportQuery("notes.expenses", measures=("amount",)), "amount"),
        (ReportQuery("notes.expenses", measures=("average",)), "average"),
        (ReportQuery("notes.expenses", rows=("category",), measures=("claims",)), "category"),
        (ReportQuery("notes.expenses", measures=("claims",), filters={"amount": (100, None)}), "amount"),
    ]:
        with pytest.raises(ValidationError) as refused:
            run(kernel, reader, query)
        assert refused.value.errors == {name: hidden}
    # and the builder does not offer them; counts remain
    view = describe(reader, kernel.registry, "notes.expenses")
    assert "category" not in [d.column for d in view.dimensions]
    assert [m.name for m in view.measures] == ["claims", "claimants"]
    assert run(kernel, reader, ReportQuery("notes.expenses", measures=("claims",))).totals[0] > 0


def test_names_the_dataset_does_not_declare_are_refused_by_name(kernel, claims):
    people, _orgs = claims
    reader = actor(kernel, people["lina"], **{"notes.expense.read": "org"})
    cases = [
        (ReportQuery("notes.nothing"), {"dataset": "No such report dataset."}),
        (ReportQuery("notes.expenses", rows=("title",)), {"title": "Not a dimension of this dataset."}),
        (ReportQuery("notes.expenses", rows=("state:month",)),
         {"state:month": "Only a date is grouped by day, month, quarter or year."}),
        (ReportQuery("notes.expenses", rows=("created_at:week",)),
         {"created_at:week": "Group a date by day, month, quarter or year."}),
        (ReportQuery("notes.expenses", measures=("profit",)), {"profit": "Not a measure of this dataset."}),
        (ReportQuery("notes.expenses", filters={"title": "x"}), {"title": "Not a filter of this dataset."}),
        (ReportQuery("notes.expenses", filters={"amount": ("lots", None)}),
         {"amount": "Not a valid value for this field."}),
        (ReportQuery("notes.expenses", filters={"created_at": "yesterday"}),
         {"created_at": "Not a valid value for this field."}),
        (ReportQuery("notes.expenses", rows=("state", "state")), {"rows": "Group by each dimension once."}),
        (ReportQuery("notes.expenses", limit=0), {"limit": "A report shows from 1 to 100,000 groups."}),
    ]
    for query, errors in cases:
        with pytest.raises(ValidationError) as refused:
            run(kernel, reader, query)
        assert refused.value.errors == errors, query


def test_a_reader_without_the_datasets_permission_is_forbidden(kernel, claims):
    people, _orgs = claims
    with pytest.raises(Forbidden):
        run(kernel, actor(kernel, people["chen"]), ReportQuery("notes.expenses"))


# ------------------------------------------------------------------ drill-down


def test_records_behind_a_number_are_exactly_the_ones_counted(kernel, claims):
    people, orgs = claims
    expense = expense_model()
    auditor = actor(kernel, people["lina"], **{"notes.expense.read": "org"})
    query = ReportQuery("notes.expenses", rows=("owner_id",), columns=("created_at:month",),
                        measures=("claims", "amount"), filters={"category": ["travel", "meals"]})
    result = run(kernel, auditor, query)
    cell = next(r for r in result.rows if r.keys == (people["wang"].id,) and r.columns == ("2026-03",))
    with kernel.db.session(write=False) as db:
        ids = list(db.scalars(records_behind(auditor, kernel.registry, query,
                                             {"owner_id": str(people["wang"].id), "created_at:month": "2026-03"})))
        start, end = month_bounds(date(2026, 3, 1))
        expected = list(db.scalars(select(expense.id).where(
            expense.owner_id == people["wang"].id, expense.deleted_at.is_(None),
            expense.category.in_(["travel", "meals"]), expense.created_at >= start,
            expense.created_at < end).order_by(expense.id)))
        amount = db.scalar(select(func.sum(expense.amount)).where(expense.id.in_(ids)))
    assert ids == expected and len(ids) == cell.values[0]
    assert Decimal(amount).quantize(Decimal("0.01")) == cell.values[1]
    # a row's subtotal: the month left out
    with kernel.db.session(write=False) as db:
        row = list(db.scalars(records_behind(auditor, kernel.registry, query, {"owner_id": people["wang"].id})))
    assert len(row) == sum(r.values[0] for r in result.rows if r.keys == (people["wang"].id,))
    # keys outside the grouping, or not keys at all, are refused by name
    with pytest.raises(ValidationError) as refused:
        records_behind(auditor, kernel.registry, query, {"state": "paid", "created_at:month": "March"})
    assert refused.value.errors == {"state": "Not a dimension this report groups by.",
                                    "created_at:month": "Not a valid value for this field."}


def test_records_behind_never_reaches_past_the_readers_scope(kernel, claims):
    people, _orgs = claims
    wang = actor(kernel, people["wang"], **{"notes.expense.read": "own"})
    query = ReportQuery("notes.expenses", rows=("owner_id",))
    with kernel.db.session(write=False) as db:
        theirs = list(db.scalars(records_behind(wang, kernel.registry, query, {"owner_id": people["lina"].id})))
        mine = list(db.scalars(records_behind(wang, kernel.registry, query, {"owner_id": people["wang"].id})))
    assert theirs == [] and len(mine) == run(kernel, wang, query).totals[0]


def test_quarters_and_days_drill_down_to_their_records(kernel, make):
    expense = expense_model()
    owner = make.user(username="lina", roles=())
    reader = actor(kernel, owner, **{"notes.expense.read": "own"})
    moments = [datetime(2026, 3, 31, 16, 30, tzinfo=UTC), datetime(2026, 3, 31, 15, 30, tzinfo=UTC)]
    with kernel.db.session() as db:
        db.execute(insert(expense), [{"org_id": owner.org_id, "owner_id": owner.id, "title": f"t{i}",
                                      "amount": Decimal("1.00"), "created_at": m, "updated_at": m}
                                     for i, m in enumerate(moments)])
        titles = defaultdict(list)
        for grain, key in [("quarter", "2026-Q2"), ("quarter", "2026-Q1"), ("day", "2026-03-31"),
                           ("year", "2026")]:
            query = ReportQuery("notes.expenses", rows=(f"created_at:{grain}",))
            ids = db.scalars(records_behind(reader, kernel.registry, query, {f"created_at:{grain}": key}))
            titles[key] = sorted(db.scalars(select(expense.title).where(expense.id.in_(list(ids)))))
        db.execute(update(expense).values(deleted_at=None))
    assert titles == {"2026-Q2": ["t0"], "2026-Q1": ["t1"], "2026-03-31": ["t1"], "2026": ["t0", "t1"]}

"""The benchmark's data generator (bench/datagen.py): the same seed gives the
same rows, every generated customer and contact passes the forms and the
CRM's own checks, the fast writer stores exactly what ``core.create_many``
stores (records, audit rows, search entries, duplicate keys), and documents
add up as the sales services would make them."""

from __future__ import annotations

import sys
from datetime import date
from decimal import Decimal
from itertools import islice
from pathlib import Path
from typing import Any, cast

import pytest
from sqlalchemy import Table, delete, select, text
from sqlalchemy.orm import Session

from core import Base
from core.app import Kernel
from core.kit import EMAIL_RE, fit_to_column
from core.models import AuditLog, User
from core.permissions import load_actor
from plugins.crm.services.demo import Owner

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))

import datagen  # noqa: E402
import datagen_bulk as bulk  # noqa: E402
import datagen_rows as gen  # noqa: E402

AS_OF = gen.at_time(date(2026, 11, 1), 0)
#: what the fast writer and create_many both write for new customers
TABLES = ("crm_customer", "crm_contact", "crm_followup", "crm_ownership_log", "crm_customer_tag",
          "core_audit", "search_entry", "dataio_match_key")
#: ids the database gives (not the writer): compared in order, without them; and when each run was written
VOLATILE = {"crm_ownership_log": {"id"}, "core_audit": {"id", "at"}, "search_entry": {"id"},
            "dataio_match_key": {"id"}}


@pytest.fixture
def team(kernel: Kernel) -> gen.Team:
    """The generator's sales organisation (director, managers, three
    salespeople), catalog, pool and payment terms in the test database."""
    with kernel.db.session() as db:
        return datagen.organisation(db, 7, 3)


def planned(team: gen.Team, count: int, seed: int = 7) -> list[gen.Planned]:
    return list(islice(iter(gen.Customers(seed, team, count, AS_OF)), count))


def test_same_seed_gives_the_same_customers_and_another_seed_others() -> None:
    team = gen.Team(1, [Owner(10 + n, 2 + n % 3, ("north", "east", "south")[n % 3]) for n in range(6)], 1)
    first, again, other = planned(team, 300), planned(team, 300), planned(team, 300, seed=8)
    assert [vars(p) for p in first] == [vars(p) for p in again]
    assert [p.customer["name"] for p in first] != [p.customer["name"] for p in other]
    # a larger run begins with the smaller one's customers
    assert [vars(p) for p in planned(team, 100)] == [vars(p) for p in first[:100]]
    names = [p.customer["name"] for p in first]
    assert len(set(names)) == len(names)
    assert any(p.customer["name"] == p.customer["name_en"] for p in first), "foreign companies"
    assert sum(p.customer["owner_id"] is None for p in first) in range(30, 90), "about a fifth in the pool"


def test_generated_customers_and_contacts_pass_the_forms_and_the_crm_checks(kernel: Kernel,
                                                                           team: gen.Team) -> None:
    from plugins.crm import regions
    from plugins.crm.models import Contact, Customer
    from plugins.crm.models.choices import FOLLOWUP_KINDS, FOLLOWUP_RESULTS
    from plugins.crm.routes.customers import contacts, customers
    from plugins.crm.services.customers import clean_contact_values, clean_customer_values
    from plugins.crm.services.names import initial

    ctx: Any = None  # the forms' static choices need no request
    with kernel.db.session(write=False) as db:
        director = db.scalar(select(User).where(User.username == "director"))
        assert director is not None
        actor = load_actor(db, director, all_codes=set(kernel.registry.permissions))
        for p in planned(team, 200):
            row = p.customer
            given = {f.name: str(row[f.name]) for f in customers.form.fields if row.get(f.name) is not None}
            values = {f.name: customers.form.clean(fit_to_column(f, Customer.__table__.c[f.name]), given[f.name],
                                                   ctx) for f in customers.form.fields if f.name in given}
            assert clean_customer_values(db, actor, None, values) == {k: row[k] for k in values}, row["name"]
            regions.check(row["province"], row["city"], row["district"])
            assert row["district"] and row["initial"] == initial(row["name"])
            assert row["email"] == "" or EMAIL_RE.match(row["email"])
            for contact in p.contacts:
                fields = [f for f in contacts.form.fields if f.name not in ("customer_id", "reports_to_id")]
                raw = {f.name: "1" if contact[f.name] is True else str(contact[f.name] or "") for f in fields}
                cleaned = {f.name: contacts.form.clean(fit_to_column(f, Contact.__table__.c[f.name]), raw[f.name],
                                                       ctx) for f in fields}
                cleaned = {k: v for k, v in clean_contact_values(cleaned).items() if v not in ("", None, False)}
                assert cleaned == {k: contact[k] for k in cleaned}, contact["name"]
                assert (contact["owner_id"], contact["department_id"]) == (row["owner_id"], row["department_id"])
            assert [c["is_main"] for c in p.contacts] == [True, False]
            for _, f in p.followups:
                assert f["kind"] in FOLLOWUP_KINDS and f["result"] in FOLLOWUP_RESULTS
                assert row["created_at"] <= f["happened_at"] <= AS_OF
                assert f["owner_id"] == row["owner_id"] and f["author_id"] is not None
            if p.followups:
                assert row["last_followup_at"] == max(f["happened_at"] for _, f in p.followups)


def snapshot(db: Session) -> dict[str, list[dict[str, Any]]]:
    """Every row the generator writes for customers, in the order written, as
    the database holds it (the driver's values: SQLite's text of a timestamp)."""
    out = {}
    for name in TABLES:
        table = Base.metadata.tables[name]
        order = "id" if "id" in table.c else ", ".join(c.name for c in table.primary_key.columns)
        where = " WHERE model LIKE :crm" if "model" in table.c else ""
        # a textual query: the values come as the driver reads them, no column type converts them
        result = db.execute(text(f"SELECT * FROM {name}{where} ORDER BY {order}"), {"crm": "crm.%"})
        columns = list(result.keys())
        out[name] = [{k: v for k, v in zip(columns, row, strict=True) if k not in VOLATILE.get(name, ())}
                     for row in result]
    return out


def forget_customers(db: Session) -> None:
    for name in ("crm_followup", "crm_customer_tag", "crm_ownership_log", "crm_contact", "crm_customer"):
        db.execute(delete(Base.metadata.tables[name]))
    for table in (cast(Table, AuditLog.__table__), Base.metadata.tables["search_entry"],
                  Base.metadata.tables["dataio_match_key"]):
        db.execute(delete(table).where(table.c.model.like("crm.%")))


def test_the_fast_writer_stores_what_create_many_stores(kernel: Kernel, team: gen.Team) -> None:
    with kernel.db.session() as db:
        jobs = datagen.CustomerJobs(db, team, bulk.Ids(db, datagen.ID_TABLES))
    with kernel.db.session() as db:
        datagen.write_customers(db, team.org_id, planned(team, 120))
    with kernel.db.session(write=False) as db:
        expected = snapshot(db)
    with kernel.db.session() as db:
        forget_customers(db)
    deriver = bulk.Deriver(kernel)
    with kernel.db.session(write=False) as db:
        jobs.ids = bulk.Ids(db, datagen.ID_TABLES)
    batch = deriver.derive(jobs.job(planned(team, 120)))
    with kernel.db.session() as db:
        bulk.write(db, batch, jobs.ids)
    with kernel.db.session(write=False) as db:
        written = snapshot(db)
        if kernel.db.engine.dialect.name == "sqlite":  # the FTS5 index agrees with its content table
            db.execute(text("INSERT INTO search_fts(search_fts) VALUES ('integrity-check')"))
    assert {k: len(v) for k, v in written.items()} == {k: len(v) for k, v in expected.items()}
    for name in TABLES:
        assert written[name] == expected[name], name
    assert len(written["crm_customer"]) == 120 and len(written["crm_contact"]) == 240


def test_generated_customers_are_found_by_the_global_search(kernel: Kernel, team: gen.Team) -> None:
    from plugins.crm.models import Contact
    from plugins.search.query import search

    with kernel.db.session() as db:
        jobs = datagen.CustomerJobs(db, team, bulk.Ids(db, datagen.ID_TABLES))
    chunk = planned(team, 50)
    with kernel.db.session() as db:
        bulk.write(db, bulk.Deriver(kernel).derive(jobs.job(chunk)), jobs.ids)
    customer, cid = chunk[17].customer, jobs.customer_ids[17]
    with kernel.db.session(write=False) as db:
        director = db.scalar(select(User).where(User.username == "director"))
        assert director is not None
        actor = load_actor(db, director, all_codes=set(kernel.registry.permissions))
        main = db.scalar(select(Contact.id).where(Contact.customer_id == cid, Contact.is_main))
        for q, found in ((customer["name"][2:6], ("crm.customer", cid)),
                         (customer["phone"].replace("-", " "), ("crm.customer", cid)),
                         (chunk[17].contacts[0]["mobile"], ("crm.contact", main)),
                         (chunk[17].contacts[0]["name"], ("crm.contact", main))):
            hits = {(g.model, h.record_id) for g in search(db, kernel.registry, actor, q, limit=50) for h in g.hits}
            assert found in hits, q


def test_contracts_add_up_as_the_sales_services_make_them(kernel: Kernel, team: gen.Team) -> None:
    from plugins.sales.models import Contract, ContractLine, Instalment
    from plugins.sales.services.receivables import generate_plan
    from plugins.sales.services.totals import apply

    with kernel.db.session() as db:
        jobs = datagen.CustomerJobs(db, team, bulk.Ids(db, datagen.ID_TABLES))
    with kernel.db.session() as db:
        bulk.write(db, bulk.Deriver(kernel).derive(jobs.job(planned(team, 40))), jobs.ids)
    documents = datagen.DocumentJobs(kernel, team, jobs.ids, jobs.customer_ids)
    rng = gen.rng_of(7, "contracts")
    plans = gen.documents(rng, 30, jobs.owned, AS_OF, states=["signed"])
    deriver = bulk.Deriver(kernel)
    for job in documents.contracts(rng, plans):
        with kernel.db.session() as db:
            bulk.write(db, deriver.derive(job), jobs.ids)
    documents.save_numbers()
    with kernel.db.session() as db:
        contracts = list(db.scalars(select(Contract).order_by(Contract.id)))
        assert len(contracts) == 30 and len({c.number for c in contracts}) == 30
        for contract in contracts:
            lines = list(db.scalars(select(ContractLine).where(ContractLine.contract_id == contract.id)))
            stored = [(line.amount, line.tax, line.total) for line in lines]
            totals = (contract.subtotal, contract.tax_total, contract.total, contract.max_discount)
            apply(contract, lines, places=2)  # the services' own sums, on the stored quantities and prices
            assert [(line.amount, line.tax, line.total) for line in lines] == stored
            assert (contract.subtotal, contract.tax_total, contract.total, contract.max_discount) == totals
            plan = [(i.amount, i.due_on, i.percent) for i in db.scalars(
                select(Instalment).where(Instalment.contract_id == contract.id).order_by(Instalment.sequence))]
            assert sum((amount for amount, _, _ in plan), Decimal(0)) == contract.total
            db.execute(delete(Instalment).where(Instalment.contract_id == contract.id))
            assert [(i.amount, i.due_on, i.percent) for i in generate_plan(db, contract)] == plan
        # the next contract the app numbers follows the generated ones
        from core import next_number

        year = contracts[-1].created_at.astimezone(gen.CHINA)
        taken = next_number(db, kernel.registry, "sales.contract", team.org_id, at=year)
        assert taken not in {c.number for c in contracts}


@pytest.mark.parametrize("name", ["test", "test_gw0", "test_gw12", "postgres", "template1", "Bad-Name"])
def test_the_generator_refuses_databases_it_must_not_drop(name: str) -> None:
    assert datagen.forbidden(name)


def test_the_generator_takes_its_own_database() -> None:
    assert not datagen.forbidden("h_benchdata") and not datagen.forbidden("suanpan_datagen")


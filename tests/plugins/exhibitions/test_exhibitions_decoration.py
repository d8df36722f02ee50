"""Special decoration (特装): a project on a raw-space booth by an admitted
builder, drawings submitted and reviewed round by round (changes asked,
resubmitted, approved), a late submission flagged with its fee, the
management fee charged as a confirmed service order, the capped deposit,
the permit issued only when all is in place and verified by its code, the
inspection, and the deposit refunded or forfeited (never more than was
received). Every illegal move is refused and changes nothing.
Run on SQLite and, with SUANPAN_DATABASE_URL, on PostgreSQL."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from decoration_support import builder, call, drawings, new_project, rules, store
from services_support import on
from sqlalchemy import select

from core import Conflict, NotFound, ValidationError
from core.app import Kernel
from plugins.activity.models import Attachment
from plugins.exhibitions.models import DecorationProject, DecorationRound, ServiceOrder, ServiceOrderLine
from plugins.exhibitions.services import decoration


@pytest.fixture
def reviewer(make: Any, expo: dict[str, Any]) -> Any:
    """特装审核员 of the organiser."""
    return make.user(org=expo["hq"], department=expo["dept"], username="reviewer", name="审图小刘",
                     roles=("exhibitions.decoration",))


@pytest.fixture
def raw(expo: dict[str, Any], plan: Any, booth: Any, new_customer: Any) -> dict[str, int]:
    """A raw-space booth E101 of 12 × 6 m sold to 北大荒农垦集团, a shell booth sold
    to it too, and a raw booth still on sale."""
    customer = new_customer(expo["manager"], "北大荒农垦集团")
    floor = plan()
    return {"customer": customer,
            "booth": booth(floor, "E101", width=12, depth=6, construction="raw", status="sold", customer_id=customer),
            "shell": booth(floor, "A101", y=20, status="sold", customer_id=customer),
            "free": booth(floor, "E102", x=20, width=6, depth=6, construction="raw")}


def project_of(kernel: Kernel, project_id: int) -> DecorationProject:
    with kernel.db.session(write=False) as db:
        made = db.get(DecorationProject, project_id)
        assert made is not None
        db.expunge(made)
        return made


def test_a_project_needs_a_sold_raw_booth_and_an_admitted_builder(kernel, expo, reviewer, raw):
    good = builder(kernel, expo, "北京华展搭建", qualified_until=date(2028, 1, 1))
    banned = builder(kernel, expo, "天津速建", blacklisted=True, blacklist_reason="撤展遗留垃圾")
    expired = builder(kernel, expo, "广州锐意", qualified_until=date(2027, 9, 30))
    with on(date(2027, 10, 8)):
        for booth_id, builder_id, field, message in (
                (raw["shell"], good, "booth_id", "Special decoration is built on raw space only."),
                (raw["free"], good, "booth_id", "The booth is not reserved or sold to an exhibitor."),
                (raw["booth"], banned, "builder_id", "The builder is blacklisted."),
                (raw["booth"], expired, "builder_id", "The builder's qualification has expired.")):
            with pytest.raises(ValidationError) as refused:
                new_project(kernel, reviewer, expo, booth_id, builder_id)
            assert refused.value.errors == {field: message}
        with pytest.raises(ValidationError) as no_height:
            new_project(kernel, reviewer, expo, raw["booth"], good, height="")
        assert set(no_height.value.errors) == {"height"}
        made = new_project(kernel, reviewer, expo, raw["booth"], good, two_storey=True)
        with pytest.raises(ValidationError) as twice:
            new_project(kernel, reviewer, expo, raw["booth"], good)
        assert set(twice.value.errors) == {"booth_id"}
        # a blacklisted builder cannot be swapped in later either
        with pytest.raises(ValidationError):
            call(kernel, reviewer, decoration.update_project, project_of(kernel, made), {"builder_id": banned})
    project = project_of(kernel, made)
    assert (project.state, project.customer_id, project.area, project.number[:8]) == (
        "draft", raw["customer"], Decimal("72.00"), "TZ-2027-")
    assert project.builder_id == good and project.two_storey


def test_drawings_go_round_by_round_until_approved(kernel, expo, reviewer, raw):
    good = builder(kernel, expo, "北京华展搭建")
    rules(kernel, expo, due=date(2027, 10, 17))
    files = store(kernel)
    with on(date(2027, 10, 8)):
        made = new_project(kernel, reviewer, expo, raw["booth"], good)
        with pytest.raises(ValidationError) as empty:
            call(kernel, reviewer, decoration.submit, made, files, [])
        assert set(empty.value.errors) == {"file"}
        assert project_of(kernel, made).state == "draft"
        # a review before anything is submitted is refused
        with pytest.raises(Conflict):
            call(kernel, reviewer, decoration.review, made, "approve", "")
        call(kernel, reviewer, decoration.submit, made, files, drawings("平面图.pdf", "效果图.pdf"))
        assert project_of(kernel, made).state == "submitted"
        with pytest.raises(Conflict):  # not twice before the review
            call(kernel, reviewer, decoration.submit, made, files, drawings())
        call(kernel, reviewer, decoration.start_review, made)
        with pytest.raises(ValidationError) as silent:
            call(kernel, reviewer, decoration.review, made, "changes", " ")
        assert set(silent.value.errors) == {"comment"}
        call(kernel, reviewer, decoration.review, made, "changes", "二层结构需补充结构计算书")
        assert project_of(kernel, made).state == "changes_requested"
    with on(date(2027, 10, 20)):  # after the due date: late, with the fee, once
        call(kernel, reviewer, decoration.submit, made, files, drawings("结构计算书.pdf"))
        assert project_of(kernel, made).state == "resubmitted"
        call(kernel, reviewer, decoration.start_review, made)
        call(kernel, reviewer, decoration.review, made, "approve", "同意")
    project = project_of(kernel, made)
    assert (project.state, project.late, project.late_fee) == ("approved", True, Decimal("2000.00"))
    assert project.deposit_due == Decimal("5000.00")  # 72 m² × ¥100 = ¥7,200, capped at ¥5,000
    with kernel.db.session(write=False) as db:
        rounds = db.scalars(select(DecorationRound).order_by(DecorationRound.number)).all()
        assert [(r.number, r.verdict, r.late) for r in rounds] == [(1, "changes", False), (2, "approve", True)]
        assert rounds[0].comment == "二层结构需补充结构计算书" and rounds[1].reviewer_id == reviewer.id
        files_of = {r.number: sorted(db.scalars(select(Attachment.filename).where(
            Attachment.record_model == "exhibitions.decoration_round", Attachment.record_id == r.id)))
            for r in rounds}
    assert files_of == {1: ["平面图.pdf", "效果图.pdf"], 2: ["结构计算书.pdf"]}
    with pytest.raises(Conflict), on(date(2027, 10, 21)):  # approved drawings are not resubmitted
        call(kernel, reviewer, decoration.submit, made, files, drawings())


def approved(kernel: Kernel, reviewer: Any, expo: dict[str, Any], raw: dict[str, int]) -> int:
    good = builder(kernel, expo, "北京华展搭建")
    rules(kernel, expo)
    made = new_project(kernel, reviewer, expo, raw["booth"], good)
    call(kernel, reviewer, decoration.submit, made, store(kernel), drawings())
    call(kernel, reviewer, decoration.start_review, made)
    call(kernel, reviewer, decoration.review, made, "approve", "")
    return made


def test_the_permit_needs_the_fee_and_the_whole_deposit(kernel, expo, reviewer, raw, catalogue):
    with on(date(2027, 10, 8)):
        made = approved(kernel, reviewer, expo, raw)
        with pytest.raises(Conflict) as no_fee:
            call(kernel, reviewer, decoration.issue_permit, made)
        assert str(no_fee.value) == "Charge the management fee before the permit is issued."
        order = call(kernel, reviewer, decoration.charge_fee, made)
        with pytest.raises(Conflict):
            call(kernel, reviewer, decoration.charge_fee, made)
        call(kernel, reviewer, decoration.receive_deposit, made, "3000")
        with pytest.raises(Conflict) as short:
            call(kernel, reviewer, decoration.issue_permit, made)
        assert short.value.params == {"due": "5000.00", "held": "3000.00"}
        call(kernel, reviewer, decoration.receive_deposit, made, "2000")
        call(kernel, reviewer, decoration.issue_permit, made)
    with kernel.db.session(write=False) as db:
        fee = db.get(ServiceOrder, order.id)
        line = db.scalar(select(ServiceOrderLine).where(ServiceOrderLine.order_id == order.id))
        assert fee is not None and line is not None
        # the per-m² fee takes the exhibitor's booked m²: the raw 72 m² and the shell 9 m², at ¥30
        assert (fee.state, line.quantity, fee.total) == ("confirmed", Decimal("81.00"), Decimal("2430.00"))
        assert fee.contract_id is not None
    project = project_of(kernel, made)
    assert project.state == "permit_issued" and project.permit_number.startswith("SGZ-2027-")
    assert project.fee_order_id == order.id and len(project.permit_token) == 16
    # the code of the QR verifies; a forged one does not
    assert call(kernel, reviewer, decoration.verify_permit, project.permit_code).id == made
    assert call(kernel, reviewer, decoration.verify_permit, project.permit_number + ".0000000000000000") is None
    assert call(kernel, reviewer, decoration.verify_permit, "garbage") is None
    assert call(kernel, expo["outsider"], decoration.verify_permit, project.permit_code) is None


def settled_up_to_inspection(kernel: Kernel, reviewer: Any, expo: dict[str, Any], raw: dict[str, int]) -> int:
    made = approved(kernel, reviewer, expo, raw)
    call(kernel, reviewer, decoration.charge_fee, made)
    call(kernel, reviewer, decoration.receive_deposit, made, "5000")
    call(kernel, reviewer, decoration.issue_permit, made)
    return made


def test_a_passed_stand_gets_its_deposit_back_never_more(kernel, expo, reviewer, raw, catalogue):
    with on(date(2027, 10, 8)):
        made = settled_up_to_inspection(kernel, reviewer, expo, raw)
        with pytest.raises(Conflict):  # not before the inspection
            call(kernel, reviewer, decoration.refund_deposit, made)
    with on(date(2027, 11, 25)):
        call(kernel, reviewer, decoration.inspect, made, passed=True, note="场地清洁")
        with pytest.raises(Conflict):
            call(kernel, reviewer, decoration.forfeit_deposit, made, "100", "x")
        with pytest.raises(ValidationError) as too_much:
            call(kernel, reviewer, decoration.refund_deposit, made, "5000.01")
        assert too_much.value.errors == {
            "amount": "The refund cannot exceed the deposit received and not refunded."}
        call(kernel, reviewer, decoration.refund_deposit, made)
        with pytest.raises(Conflict):  # once
            call(kernel, reviewer, decoration.refund_deposit, made)
    with kernel.db.session(write=False) as db:
        assert decoration.deposit_totals(db, made) == {
            "received": Decimal("5000.00"), "refunded": Decimal("5000.00"), "forfeited": Decimal(0),
            "held": Decimal("0.00")}
    assert project_of(kernel, made).state == "deposit_refunded"


def test_a_failed_stand_forfeits_part_of_the_deposit_with_a_reason(kernel, expo, reviewer, raw, catalogue):
    with on(date(2027, 10, 8)):
        made = settled_up_to_inspection(kernel, reviewer, expo, raw)
    with on(date(2027, 11, 25)):
        with pytest.raises(ValidationError) as no_finding:
            call(kernel, reviewer, decoration.inspect, made, passed=False)
        assert set(no_finding.value.errors) == {"inspection_note"}
        call(kernel, reviewer, decoration.inspect, made, passed=False, note="地面胶带未清理，墙板损坏")
        with pytest.raises(Conflict):
            call(kernel, reviewer, decoration.refund_deposit, made)
        with pytest.raises(ValidationError) as bad:
            call(kernel, reviewer, decoration.forfeit_deposit, made, "6000", "")
        assert set(bad.value.errors) == {"amount", "reason"}
        call(kernel, reviewer, decoration.forfeit_deposit, made, "1500", "清理费及墙板修复")
    with kernel.db.session(write=False) as db:
        totals = decoration.deposit_totals(db, made)
    assert (totals["forfeited"], totals["refunded"], totals["held"]) == (
        Decimal("1500.00"), Decimal("3500.00"), Decimal("0.00"))
    assert project_of(kernel, made).state == "deposit_forfeited"


def test_another_organisation_cannot_reach_a_project(kernel, expo, reviewer, raw):
    with on(date(2027, 10, 8)):
        made = new_project(kernel, reviewer, expo, raw["booth"], builder(kernel, expo, "北京华展搭建"))
        for fn, args in ((decoration.submit, (store(kernel), drawings())), (decoration.start_review, ()),
                         (decoration.issue_permit, ())):
            with pytest.raises(NotFound):
                call(kernel, expo["outsider"], fn, made, *args)

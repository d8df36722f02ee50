"""Post-show surveys: built by staff, answered through a link of one's own,
read as results per edition and as a trend across editions.

A survey (of an edition, for its exhibitors or its visitors) is built as a
draft: questions in Chinese and English, of a kind (:data:`QUESTION_KINDS`),
required or not, in order; options (one or several choices) one a line,
``中文 | English``. Opened, it is no longer changed; :func:`invite` makes
one invitation per recipient (the edition's exhibitors, written to at their
main contact's e-mail, else any contact's, else the customer's; or its
visitors with an e-mail), each with a token of 32 random URL-safe
characters (192 bits: unguessable), and queues the e-mail through the
activity plugin's outbox (sent by the job runner after the commit). Inviting
again adds only the recipients still missing.

:func:`answer` takes a form from the public page: every answer checked, a
bad one named by its question (``q_<id>``), nothing written half-way. A
survey that is not ``editable`` takes one answer per invitation; an
editable one replaces the earlier answers until it closes.

:func:`results`: per question the distribution (counted in SQL), and the
NPS: the share of promoters (9–10) minus the share of detractors (0–6), in
points, computed in SQL; :func:`nps_trend` is that per edition of the series.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import case, delete, func, select
from sqlalchemy.orm import Session

from core import N_, Actor, Conflict, NotFound, ValidationError, get_for, scope, utcnow
from plugins.crm.models import Contact, Customer
from plugins.exhibitions.models import (
    Booth,
    Edition,
    Survey,
    SurveyAnswer,
    SurveyInvite,
    SurveyQuestion,
    Visitor,
)
from plugins.exhibitions.models.choices import QUESTION_KINDS, SURVEY_AUDIENCES, SURVEY_STATES

FIELDS = ("edition_id", "audience", "title", "title_en", "intro", "closes_on", "editable")
NOT_DRAFT = N_("The survey is {state}: its questions can no longer be changed.")
NOT_OPEN = N_("The survey is {state}.")
#: score range of the kinds that take a number
SCORES = {"nps": (0, 10), "rating": (1, 5)}
CHOICE_KINDS = ("single", "multiple")


# ----------------------------------------------------------------- the survey and its questions


def clean(db: Session, actor: Actor, values: Mapping[str, Any]) -> dict[str, Any]:
    data = {k: values[k] for k in FIELDS if k in values}
    errors: dict[str, str] = {}
    for key in ("title", "title_en", "intro"):
        data[key] = str(data.get(key) or "").strip()
    if not data["title"]:
        errors["title"] = N_("Give the survey a title.")
    if data.get("audience") not in SURVEY_AUDIENCES:
        errors["audience"] = N_("Choose who the survey asks.")
    try:
        data["edition_id"] = get_for(db, actor, Edition, data.get("edition_id")).id
    except (NotFound, ValueError, TypeError):
        errors["edition_id"] = N_("Choose the edition.")
    raw = data.get("closes_on")
    if isinstance(raw, str):
        try:
            data["closes_on"] = date.fromisoformat(raw) if raw.strip() else None
        except ValueError:
            errors["closes_on"] = N_("Enter a date (YYYY-MM-DD).")
    data["editable"] = bool(data.get("editable"))
    if errors:
        raise ValidationError(errors)
    return data


def create_survey(db: Session, actor: Actor, values: Mapping[str, Any]) -> Survey:
    data = clean(db, actor, values)
    edition = db.get(Edition, data["edition_id"])
    assert edition is not None
    survey = Survey(**data, org_id=edition.org_id, owner_id=actor.user_id, state="draft")
    db.add(survey)
    db.flush()
    return survey


def update_survey(db: Session, actor: Actor, survey: Survey, values: Mapping[str, Any]) -> None:
    for key, value in clean(db, actor, {**{k: getattr(survey, k) for k in FIELDS}, **values}).items():
        setattr(survey, key, value)
    db.flush()


def questions(db: Session, survey_id: int) -> list[SurveyQuestion]:
    return list(db.scalars(select(SurveyQuestion).where(SurveyQuestion.survey_id == survey_id)
                           .order_by(SurveyQuestion.sequence, SurveyQuestion.id)))


def parse_options(raw: str) -> list[dict[str, str]]:
    """Options one a line, ``中文 | English`` (the English may be left out)."""
    out = []
    for line in (raw or "").splitlines():
        zh, _, en = line.partition("|")
        if zh.strip():
            out.append({"zh": zh.strip()[:200], "en": en.strip()[:200]})
    return out


def add_question(db: Session, actor: Actor, survey_id: Any, values: Mapping[str, Any]) -> SurveyQuestion:
    """A question at the end of a draft survey, or a ValidationError naming each bad field."""
    survey = get_for(db, actor, Survey, survey_id, "update")
    if survey.state != "draft":
        raise Conflict(NOT_DRAFT, state=SURVEY_STATES[survey.state])
    errors: dict[str, str] = {}
    kind = str(values.get("kind") or "")
    text = str(values.get("text") or "").strip()
    options = parse_options(str(values.get("options") or ""))
    if kind not in QUESTION_KINDS:
        errors["kind"] = N_("Choose the kind of question.")
    if not text or len(text) > 500:
        errors["text"] = N_("Write the question (up to 500 characters).")
    if kind in CHOICE_KINDS and len(options) < 2:
        errors["options"] = N_("Give at least two options, one a line.")
    if errors:
        raise ValidationError(errors)
    last = db.scalar(select(func.max(SurveyQuestion.sequence)).where(SurveyQuestion.survey_id == survey.id))
    question = SurveyQuestion(survey_id=survey.id, kind=kind, text=text,
                              text_en=str(values.get("text_en") or "").strip()[:500],
                              options=options if kind in CHOICE_KINDS else [],
                              required=bool(values.get("required")), sequence=int(last or 0) + 10)
    db.add(question)
    survey.updated_at = utcnow()
    db.flush()
    return question


def remove_question(db: Session, actor: Actor, survey_id: Any, question_id: Any) -> None:
    survey = get_for(db, actor, Survey, survey_id, "update")
    if survey.state != "draft":
        raise Conflict(NOT_DRAFT, state=SURVEY_STATES[survey.state])
    db.execute(delete(SurveyQuestion).where(SurveyQuestion.survey_id == survey.id,
                                            SurveyQuestion.id == int(question_id)))


def move(db: Session, actor: Actor, survey_id: Any, state: str) -> Survey:
    """Open a draft (it needs a question), or close an open survey."""
    survey = get_for(db, actor, Survey, survey_id, "update")
    allowed = {"open": "draft", "closed": "open"}
    if allowed.get(state) != survey.state:
        raise Conflict(NOT_OPEN, state=SURVEY_STATES[survey.state])
    if state == "open" and not questions(db, survey.id):
        raise ValidationError({"questions": N_("Add a question first.")})
    survey.state = state
    db.flush()
    return survey


# ----------------------------------------------------------------- invitations


@dataclass(frozen=True)
class Recipient:
    customer_id: int | None
    visitor_id: int | None
    name: str
    email: str


def recipients(db: Session, actor: Actor, survey: Survey) -> list[Recipient]:
    """Who the survey asks: the edition's exhibitors (a booth reserved or
    sold) or its visitors, under the actor's scope, with the address to write to."""
    if survey.audience == "visitors":
        return [Recipient(None, v.id, v.name, v.email) for v in db.scalars(
            select(Visitor).where(Visitor.edition_id == survey.edition_id,
                                  scope(actor, Visitor)).order_by(Visitor.id))]
    exhibitors = select(Booth.customer_id).where(Booth.edition_id == survey.edition_id,
                                                 Booth.status.in_(("reserved", "sold")), scope(actor, Booth))
    customers = list(db.execute(select(Customer.id, Customer.name, Customer.email).where(
        Customer.id.in_(exhibitors), Customer.deleted_at.is_(None)).order_by(Customer.id)))
    contacts: dict[int, tuple[str, str]] = {}
    for cid, name, email, _main in db.execute(
            select(Contact.customer_id, Contact.name, Contact.email, Contact.is_main)
            .where(Contact.customer_id.in_([c.id for c in customers]), Contact.email != "",
                   Contact.deleted_at.is_(None)).order_by(Contact.is_main.desc(), Contact.id)):
        contacts.setdefault(int(cid), (name, email))
    return [Recipient(c.id, None, contacts.get(c.id, (c.name, ""))[0], contacts.get(c.id, ("", c.email))[1])
            for c in customers]


def new_token() -> str:
    return secrets.token_urlsafe(24)


def invite(db: Session, actor: Actor, survey_id: Any, *, base_url: str) -> tuple[int, int]:
    """Invitations for the recipients not yet invited, each e-mailed its link
    (when it has an address and the organisation's e-mail is on); (invited, mailed)."""
    from plugins.activity.api import queue_message

    survey = get_for(db, actor, Survey, survey_id, "send")
    if survey.state != "open":
        raise Conflict(NOT_OPEN, state=SURVEY_STATES[survey.state])
    edition = db.get(Edition, survey.edition_id)
    assert edition is not None
    done = {(i.customer_id, i.visitor_id) for i in db.scalars(
        select(SurveyInvite).where(SurveyInvite.survey_id == survey.id))}
    invited = mailed = 0
    for who in recipients(db, actor, survey):
        if (who.customer_id, who.visitor_id) in done:
            continue
        row = SurveyInvite(survey_id=survey.id, token=new_token(), customer_id=who.customer_id,
                           visitor_id=who.visitor_id, name=who.name[:200], email=who.email[:200])
        db.add(row)
        db.flush()
        invited += 1
        if not who.email:
            continue
        try:
            queue_message(db, org_id=survey.org_id, channel="email", address=who.email,
                          subject=f"{survey.title} / {survey.title_en or edition.name_en}",
                          text=mail_text(survey, edition, who.name,
                                         f"{base_url.rstrip('/')}/exhibitions/survey/{row.token}"),
                          ref=f"exhibitions.survey_invite:{row.id}")
        except ValidationError:
            continue  # e-mail is off for the organisation: the link is on the survey's page
        row.sent_at = utcnow()
        mailed += 1
    db.flush()
    return invited, mailed


def mail_text(survey: Survey, edition: Edition, name: str, link: str) -> str:
    """The invitation, in Chinese and in English (the recipient is outside the suite)."""
    return (f"{name}，您好！\n\n感谢您参加{edition.name}。请花两分钟填写《{survey.title}》：\n{link}\n\n"
            f"Dear {name},\n\nthank you for taking part in {edition.name_en or edition.name}. "
            f"Please take two minutes to answer our survey:\n{link}\n")


# ----------------------------------------------------------------- answering


class Closed(Exception):
    """The survey does not take answers (not open, past its closing day, or answered once)."""


def by_token(db: Session, token: str) -> tuple[SurveyInvite, Survey] | None:
    if not token or len(token) > 64:
        return None
    invite = db.scalar(select(SurveyInvite).where(SurveyInvite.token == token))
    if invite is None:
        return None
    survey = db.get(Survey, invite.survey_id)
    return (invite, survey) if survey is not None else None


def taking_answers(survey: Survey, invite: SurveyInvite, today: date) -> bool:
    if survey.state != "open" or (survey.closes_on is not None and today > survey.closes_on):
        return False
    return invite.answered_at is None or survey.editable


def given(db: Session, invite_id: int) -> dict[int, list[SurveyAnswer]]:
    out: dict[int, list[SurveyAnswer]] = {}
    for row in db.scalars(select(SurveyAnswer).where(SurveyAnswer.invite_id == invite_id)
                          .order_by(SurveyAnswer.option)):
        out.setdefault(row.question_id, []).append(row)
    return out


def _listed(raw: Any) -> list[str]:
    if raw is None:
        return []
    if isinstance(raw, str):
        return [raw] if raw.strip() else []
    return [str(v) for v in raw if str(v).strip()]


def check(items: Sequence[SurveyQuestion], form: Mapping[str, Any]) -> list[SurveyAnswer]:
    """The answers of a form (``q_<id>``; several values for a multiple
    choice), each bad one named in one ValidationError."""
    errors: dict[str, str] = {}
    out: list[SurveyAnswer] = []
    for q in items:
        key = f"q_{q.id}"
        values = _listed(form.get(key))
        if not values:
            if q.required:
                errors[key] = N_("Please answer this question.")
            continue
        if q.kind in SCORES:
            low, high = SCORES[q.kind]
            score = int(values[0]) if values[0].strip().isdigit() else -1
            if not low <= score <= high:
                errors[key] = (N_("Choose a score from 0 to 10.") if q.kind == "nps"
                               else N_("Choose a score from 1 to 5."))
                continue
            out.append(SurveyAnswer(question_id=q.id, score=score))
        elif q.kind in CHOICE_KINDS:
            picked = sorted({int(v) for v in values if v.isdigit()})
            outside = any(not 1 <= p <= len(q.options) for p in picked)
            too_many = q.kind == "single" and len(picked) > 1
            if not picked or len(picked) != len(set(values)) or outside or too_many:
                errors[key] = N_("Choose among the options given.")
                continue
            out += [SurveyAnswer(question_id=q.id, option=p) for p in picked]
        else:
            text = values[0].strip()
            if len(text) > 4000:
                errors[key] = N_("This is too long.")
                continue
            out.append(SurveyAnswer(question_id=q.id, text=text))
    if errors:
        raise ValidationError(errors)
    return out


def answer(db: Session, token: str, form: Mapping[str, Any], *, today: date) -> SurveyInvite:
    """Record (or, where editable, replace) the invitation's answers."""
    found = by_token(db, token)
    if found is None:
        raise NotFound()
    invite, survey = found
    if not taking_answers(survey, invite, today):
        raise Closed()
    rows = check(questions(db, survey.id), form)
    db.execute(delete(SurveyAnswer).where(SurveyAnswer.invite_id == invite.id))
    for row in rows:
        row.invite_id = invite.id
    db.add_all(rows)
    invite.answered_at = utcnow()
    db.flush()
    return invite


# ----------------------------------------------------------------- results


def nps_expression() -> Any:
    """NPS in points of the NPS answers selected: 100 × (promoters − detractors) / answers."""
    promoters = func.sum(case((SurveyAnswer.score >= 9, 1), else_=0))
    detractors = func.sum(case((SurveyAnswer.score <= 6, 1), else_=0))
    return 100.0 * (promoters - detractors) / func.nullif(func.count(SurveyAnswer.id), 0)


@dataclass
class Result:
    question: SurveyQuestion
    answers: int
    counts: dict[int, int]
    texts: list[str]
    nps: float | None
    average: float | None


def results(db: Session, actor: Actor, survey_id: Any) -> tuple[Survey, int, int, list[Result]]:
    """(survey, invited, answered, per question its counts by score or
    option, the texts, the NPS of an NPS question, the average of a score)."""
    survey = get_for(db, actor, Survey, survey_id)
    invited, answered = db.execute(select(func.count(SurveyInvite.id), func.count(SurveyInvite.answered_at))
                                   .where(SurveyInvite.survey_id == survey.id)).one()
    items = questions(db, survey.id)
    counts: dict[int, dict[int, int]] = {q.id: {} for q in items}
    value = func.coalesce(SurveyAnswer.score, SurveyAnswer.option)
    for qid, v, n in db.execute(select(SurveyAnswer.question_id, value, func.count())
                                .join(SurveyQuestion, SurveyQuestion.id == SurveyAnswer.question_id)
                                .where(SurveyQuestion.survey_id == survey.id, SurveyQuestion.kind != "text")
                                .group_by(SurveyAnswer.question_id, value)):
        counts[int(qid)][int(v)] = int(n)
    stats = {int(qid): (int(n), nps, avg) for qid, n, nps, avg in db.execute(
        select(SurveyAnswer.question_id, func.count(func.distinct(SurveyAnswer.invite_id)), nps_expression(),
               func.avg(SurveyAnswer.score))
        .join(SurveyQuestion, SurveyQuestion.id == SurveyAnswer.question_id)
        .where(SurveyQuestion.survey_id == survey.id).group_by(SurveyAnswer.question_id))}
    texts: dict[int, list[str]] = {}
    for qid, text in db.execute(select(SurveyAnswer.question_id, SurveyAnswer.text)
                                .join(SurveyQuestion, SurveyQuestion.id == SurveyAnswer.question_id)
                                .where(SurveyQuestion.survey_id == survey.id, SurveyQuestion.kind == "text",
                                       SurveyAnswer.text != "").order_by(SurveyAnswer.id).limit(500)):
        texts.setdefault(int(qid), []).append(str(text))
    out = []
    for q in items:
        n, nps, avg = stats.get(q.id, (0, None, None))
        out.append(Result(q, n, counts[q.id], texts.get(q.id, []),
                          round(float(nps), 1) if q.kind == "nps" and nps is not None else None,
                          round(float(avg), 2) if q.kind in SCORES and avg is not None else None))
    return survey, int(invited), int(answered), out


def nps_trend(db: Session, actor: Actor, series_id: int,
              audience: str = "exhibitors") -> list[tuple[Edition, float, int]]:
    """(edition, NPS, answers) of each edition of the series with NPS answers, oldest first."""
    rows = db.execute(
        select(Survey.edition_id, nps_expression(), func.count(SurveyAnswer.id))
        .join(SurveyInvite, SurveyInvite.survey_id == Survey.id)
        .join(SurveyAnswer, SurveyAnswer.invite_id == SurveyInvite.id)
        .join(SurveyQuestion, SurveyQuestion.id == SurveyAnswer.question_id)
        .join(Edition, Edition.id == Survey.edition_id)
        .where(Edition.series_id == series_id, Survey.audience == audience, SurveyQuestion.kind == "nps",
               scope(actor, Survey))
        .group_by(Survey.edition_id)).all()
    editions = {e.id: e for e in db.scalars(select(Edition).where(Edition.id.in_([r[0] for r in rows])))}
    out = [(editions[int(e)], round(float(nps), 1), int(n)) for e, nps, n in rows if nps is not None]
    return sorted(out, key=lambda r: r[0].number)

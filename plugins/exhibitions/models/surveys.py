"""Post-show surveys (part 2 of the plugin): a survey of an edition asks
its exhibitors or its visitors questions built by staff; each recipient
answers through a link of their own (an unguessable token), once, or
again until the survey closes when it allows it."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core import (
    N_,
    AuditedMixin,
    Base,
    BigId,
    IdMixin,
    OrgScopedMixin,
    TimestampMixin,
    UTCDateTime,
    VersionedMixin,
)
from plugins.exhibitions.models.choices import QUESTION_KINDS, SURVEY_AUDIENCES, SURVEY_STATES


class Survey(IdMixin, OrgScopedMixin, TimestampMixin, VersionedMixin, AuditedMixin, Base):
    """A survey of an edition for its exhibitors or its visitors (展后调查).
    ``editable``: a recipient may change their answers until the survey
    closes; else their first answer is final."""

    __tablename__ = "exhibitions_survey"
    __label__ = N_("Survey")

    edition_id: Mapped[int] = mapped_column(BigId, ForeignKey("exhibitions_edition.id"), index=True,
                                            info={"label": N_("Edition")})
    audience: Mapped[str] = mapped_column(String(20), info={"label": N_("Audience"),
                                                            "choices": SURVEY_AUDIENCES})
    title: Mapped[str] = mapped_column(String(200), info={"label": N_("Title")})
    title_en: Mapped[str] = mapped_column(String(200), default="", info={"label": N_("English title")})
    intro: Mapped[str] = mapped_column(Text, default="", info={"label": N_("Introduction")})
    state: Mapped[str] = mapped_column(String(20), default="draft", index=True,
                                       info={"label": N_("State"), "choices": SURVEY_STATES})
    closes_on: Mapped[date | None] = mapped_column(Date, info={"label": N_("Closes on")})
    editable: Mapped[bool] = mapped_column(Boolean, default=True,
                                           info={"label": N_("Answers may be changed until it closes")})


class SurveyQuestion(IdMixin, TimestampMixin, Base):
    """A question of a survey, in Chinese and English; ``options`` (one and
    several choices): a list of ``{"zh": ..., "en": ...}``, answered by
    their number from 1."""

    __tablename__ = "exhibitions_survey_question"
    __label__ = N_("Survey question")

    survey_id: Mapped[int] = mapped_column(BigId, ForeignKey("exhibitions_survey.id", ondelete="CASCADE"),
                                           index=True, info={"label": N_("Survey")})
    kind: Mapped[str] = mapped_column(String(20), info={"label": N_("Kind"), "choices": QUESTION_KINDS})
    text: Mapped[str] = mapped_column(String(500), info={"label": N_("Question")})
    text_en: Mapped[str] = mapped_column(String(500), default="", info={"label": N_("Question in English")})
    options: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list, info={"label": N_("Options")})
    required: Mapped[bool] = mapped_column(Boolean, default=False, info={"label": N_("Required")})
    sequence: Mapped[int] = mapped_column(Integer, default=10, info={"label": N_("Order")})


class SurveyInvite(IdMixin, TimestampMixin, Base):
    """One recipient of a survey: an exhibitor (customer, with the contact
    written to) or a visitor, and ``token``, the secret of their link."""

    __tablename__ = "exhibitions_survey_invite"
    __label__ = N_("Survey invitation")
    __table_args__ = (
        UniqueConstraint("survey_id", "customer_id", name="uq_exhibitions_survey_invite_customer"),
        UniqueConstraint("survey_id", "visitor_id", name="uq_exhibitions_survey_invite_visitor"))

    survey_id: Mapped[int] = mapped_column(BigId, ForeignKey("exhibitions_survey.id", ondelete="CASCADE"),
                                           index=True, info={"label": N_("Survey")})
    token: Mapped[str] = mapped_column(String(64), unique=True, info={"label": N_("Link token")})
    customer_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("crm_customer.id"), index=True,
                                                    info={"label": N_("Exhibitor")})
    visitor_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("exhibitions_visitor.id"), index=True,
                                                   info={"label": N_("Visitor")})
    name: Mapped[str] = mapped_column(String(200), default="", info={"label": N_("Name")})
    email: Mapped[str] = mapped_column(String(200), default="", info={"label": N_("E-mail"), "mask": "email"})
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), info={"label": N_("Sent at")})
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), info={"label": N_("Answered at")})


class SurveyAnswer(IdMixin, Base):
    """An answer to a question: ``score`` (NPS 0–10, rating 1–5), ``option``
    (the number of a chosen option; a row per option chosen), or ``text``."""

    __tablename__ = "exhibitions_survey_answer"
    __label__ = N_("Survey answer")
    __table_args__ = (UniqueConstraint("invite_id", "question_id", "option",
                                       name="uq_exhibitions_survey_answer"),)

    invite_id: Mapped[int] = mapped_column(BigId, ForeignKey("exhibitions_survey_invite.id",
                                                             ondelete="CASCADE"), index=True,
                                           info={"label": N_("Survey invitation")})
    question_id: Mapped[int] = mapped_column(BigId, ForeignKey("exhibitions_survey_question.id",
                                                               ondelete="CASCADE"),
                                             index=True, info={"label": N_("Survey question")})
    score: Mapped[int | None] = mapped_column(Integer, info={"label": N_("Score")})
    option: Mapped[int] = mapped_column(Integer, default=0, info={"label": N_("Option")})
    text: Mapped[str] = mapped_column(Text, default="", info={"label": N_("Text")})

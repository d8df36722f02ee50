"""The surveys part's pages (registered on plugins.exhibitions.routes.routes):
surveys (the kit's list and form; the page builds the questions, opens,
invites and closes), the results with the NPS trend, and the public page a
recipient answers on (by the token of their link)."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from core import N_, PUBLIC, Column, Ctx, Filter, Form, FormField, ListView, NotFound, ValidationError, get_for
from plugins.exhibitions.models import Edition, Survey
from plugins.exhibitions.models.choices import QUESTION_KINDS, SURVEY_AUDIENCES, SURVEY_STATES
from plugins.exhibitions.routes import routes
from plugins.exhibitions.routes.venues import Prefilled, _edition_choices
from plugins.exhibitions.services import surveys as services
from plugins.sales.services.documents import today


def _detail(ctx: Ctx, survey: Survey) -> dict[str, Any]:
    from sqlalchemy import func, select

    from plugins.exhibitions.models import SurveyInvite

    invited, answered = ctx.db.execute(select(func.count(SurveyInvite.id), func.count(SurveyInvite.answered_at))
                                       .where(SurveyInvite.survey_id == survey.id)).one()
    return {"questions": services.questions(ctx.db, survey.id), "kinds": QUESTION_KINDS,
            "invited": invited, "answered": answered}


surveys = Prefilled(
    model=Survey, noun="survey", path="/surveys", title=N_("Surveys"), title_attr="title",
    list_view=ListView(Survey, [
        Column("title", N_("Title"), link=True),
        Column("edition_id", N_("Edition"), kind="ref", ref=Edition),
        Column("audience", N_("Audience"), kind="choice", choices=SURVEY_AUDIENCES),
        Column("state", N_("State"), kind="choice", choices=SURVEY_STATES),
        Column("closes_on", N_("Closes on"), kind="date"),
    ], search=("title", "title_en"), filters=[
        Filter("edition_id", N_("Edition"), _edition_choices),
        Filter("audience", N_("Audience"), list(SURVEY_AUDIENCES.items())),
        Filter("state", N_("State"), list(SURVEY_STATES.items())),
    ], default_sort="id"),
    form=Form([
        FormField("edition_id", N_("Edition"), "select", required=True, choices=_edition_choices),
        FormField("audience", N_("Audience"), "select", required=True, choices=list(SURVEY_AUDIENCES.items())),
        FormField("title", N_("Title"), required=True),
        FormField("title_en", N_("English title")),
        FormField("intro", N_("Introduction"), "textarea"),
        FormField("closes_on", N_("Closes on"), "date"),
        FormField("editable", N_("Answers may be changed until it closes"), "bool"),
    ]),
    create=services.create_survey, update=services.update_survey,
    detail_fields=[Column("edition_id", N_("Edition"), kind="ref", ref=Edition),
                   Column("audience", N_("Audience"), kind="choice", choices=SURVEY_AUDIENCES),
                   Column("state", N_("State"), kind="choice", choices=SURVEY_STATES),
                   Column("title_en", N_("English title")), Column("closes_on", N_("Closes on"), kind="date"),
                   Column("editable", N_("Answers may be changed until it closes"), kind="bool")],
    detail_template="exhibitions/survey_detail.html", detail_context=_detail,
)
surveys.prefill = ("edition_id",)


@routes.post("/surveys/{id:int}/questions", name="survey_question_add", permission="exhibitions.survey.update")
def survey_question_add(ctx: Ctx) -> Response:
    ctx.attempt(lambda: services.add_question(ctx.db, ctx.user, ctx.params["id"], {
        k: ctx.field(k) for k in ("kind", "text", "text_en", "options", "required")}))
    return ctx.redirect("survey_detail", id=ctx.params["id"])


@routes.post("/surveys/{id:int}/questions/{question:int}/delete", name="survey_question_delete",
             permission="exhibitions.survey.update")
def survey_question_delete(ctx: Ctx) -> Response:
    ctx.attempt(lambda: services.remove_question(ctx.db, ctx.user, ctx.params["id"], ctx.params["question"]),
                flash=None)
    return ctx.redirect("survey_detail", id=ctx.params["id"])


@routes.post("/surveys/{id:int}/state", name="survey_state", permission="exhibitions.survey.update")
def survey_state(ctx: Ctx) -> Response:
    ctx.attempt(lambda: services.move(ctx.db, ctx.user, ctx.params["id"], ctx.field("state")))
    return ctx.redirect("survey_detail", id=ctx.params["id"])


@routes.post("/surveys/{id:int}/invite", name="survey_invite", permission="exhibitions.survey.send")
def survey_invite(ctx: Ctx) -> Response:
    base = str(ctx.kernel.settings.extra.get("base_url", "")) or str(ctx.request.base_url)
    ctx.attempt(lambda: services.invite(ctx.db, ctx.user, ctx.params["id"], base_url=base))
    return ctx.redirect("survey_detail", id=ctx.params["id"])


@routes.get("/surveys/{id:int}/results", name="survey_results", permission="exhibitions.survey.read")
def survey_results(ctx: Ctx) -> Response:
    survey, invited, answered, rows = services.results(ctx.db, ctx.user, ctx.params["id"])
    edition = get_for(ctx.db, ctx.user, Edition, survey.edition_id)
    trend = services.nps_trend(ctx.db, ctx.user, edition.series_id, survey.audience)
    return ctx.render("exhibitions/survey_results.html", survey=survey, edition=edition, invited=invited,
                      answered=answered, rows=rows, trend=trend, kinds=QUESTION_KINDS,
                      audiences=SURVEY_AUDIENCES)


# ------------------------------------------------------------------ the public page


def _public(ctx: Ctx) -> tuple[Any, Survey, Edition]:
    found = services.by_token(ctx.db, ctx.params["token"])
    if found is None:
        raise NotFound()
    invite, survey = found
    edition = ctx.db.get(Edition, survey.edition_id)
    if edition is None:
        raise NotFound()
    wanted = ctx.query.get("lang")
    accepted = [p.split(";")[0].strip() for p in ctx.request.headers.get("accept-language", "").split(",")]
    ctx.t = ctx.kernel.catalogs.translator(ctx.kernel.catalogs.negotiate([wanted, *accepted]))
    return invite, survey, edition


def _answer_page(ctx: Ctx, invite: Any, survey: Survey, edition: Edition, *, status: int = 200,
                 values: dict[str, list[str]] | None = None, errors: dict[str, str] | None = None,
                 done: bool = False) -> Response:
    if values is None:
        values = {f"q_{qid}": [str(a.score if a.score is not None else a.option if a.option else a.text)
                               for a in rows] for qid, rows in services.given(ctx.db, invite.id).items()}
    english = ctx.t.locale == "en"
    return ctx.render("exhibitions/survey_answer.html", status=status, actor=None, survey=survey,
                      edition=edition, invite=invite, questions=services.questions(ctx.db, survey.id),
                      values=values,
                      errors=errors or {}, done=done, english=english,
                      open=services.taking_answers(survey, invite, today()),
                      title=survey.title_en if english and survey.title_en else survey.title)


def _values(ctx: Ctx) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for key in ctx.form:
        if key.startswith("q_"):
            raw = ctx.form.get(key)
            out[key] = [raw] if isinstance(raw, str) else [str(v) for v in (raw or [])]
    return out


@routes.get("/survey/{token}", name="survey_answer", permission=PUBLIC)
def survey_answer(ctx: Ctx) -> Response:
    invite, survey, edition = _public(ctx)
    return _answer_page(ctx, invite, survey, edition)


@routes.post("/survey/{token}", name="survey_submit", permission=PUBLIC)
def survey_submit(ctx: Ctx) -> Response:
    invite, survey, edition = _public(ctx)
    values = _values(ctx)
    try:
        with ctx.db.begin_nested():
            services.answer(ctx.db, ctx.params["token"], values, today=today())
    except services.Closed:
        return _answer_page(ctx, invite, survey, edition, status=409)
    except ValidationError as invalid:
        return _answer_page(ctx, invite, survey, edition, status=422, values=values,
                            errors={k: ctx._(v) for k, v in invalid.errors.items()})
    return _answer_page(ctx, invite, survey, edition, done=True)


surveys.register(routes)

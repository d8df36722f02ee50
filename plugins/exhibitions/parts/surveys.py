"""What the surveys part registers (gathered by plugins.exhibitions.hooks):
the menu entry of the post-show surveys, and the demo's draft survey of
the 25th edition's visitors (the past editions' answered surveys are the
insights part's demo history)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from core import N_, MenuItem

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

MENU = [
    MenuItem("exhibitions.surveys", N_("Surveys"), "exhibitions:survey_list", "exhibitions.survey.read",
             icon="message-star", section=N_("Exhibitions"), order=470),
]


def load_demo(session: Session, orgs: dict[str, int], users: dict[str, int], made: dict[str, Any]) -> None:
    """A draft visitor survey of the 25th edition with three questions."""
    from plugins.exhibitions.models import Edition, Survey, SurveyQuestion

    edition_id = (made.get("editions") or {}).get(25)
    edition = session.get(Edition, edition_id) if edition_id else None
    if edition is None:
        return
    survey = Survey(org_id=edition.org_id, owner_id=edition.owner_id, edition_id=edition.id,
                    audience="visitors", title="第二十五届农博会观众调查",
                    title_en="25th Agricultural Expo: visitor survey", state="draft", intro="感谢您的参观！",
                    editable=True)
    session.add(survey)
    session.flush()
    session.add_all([
        SurveyQuestion(survey_id=survey.id, kind="nps", text="您有多大可能向朋友推荐农博会？",
                       text_en="How likely are you to recommend the expo to a friend?", required=True,
                       sequence=10),
        SurveyQuestion(survey_id=survey.id, kind="multiple", text="您最感兴趣的展区",
                       text_en="Halls you liked most",
                       options=[{"zh": "种业", "en": "Seeds"}, {"zh": "农机", "en": "Machinery"},
                                {"zh": "品牌农产品", "en": "Branded produce"}], sequence=20),
        SurveyQuestion(survey_id=survey.id, kind="text", text="您的建议", text_en="Your suggestions",
                       sequence=30),
    ])
    session.flush()

"""The pipeline every member's post passes before it is stored and sent: new-member
review and risk terms, with the admins' current choices."""

from __future__ import annotations

from dataclasses import dataclass

from moderation.candidate import Candidate, Direction
from moderation.new_members import new_member_policy
from moderation.pipeline import Decision, Pipeline
from moderation.risk import DEFAULT_RISK_TERMS, RiskMatcher, RiskResponse, risk_policy
from server.policies import account_policy, keyword_rules_policy
from server.storage import holds as hold_store
from server.storage.actors import get_actor_by_uri
from server.storage.database import Database
from server.storage.settings import get_setting, set_setting

RISK_RESPONSE_SETTING = "risk_response"
RISK_TERMS_SETTING = "risk_terms"
NEW_MEMBER_SETTING = "new_member_reviews"
DEFAULT_RISK_RESPONSE = RiskResponse.PUBLISH_WITH_NOTE


@dataclass(frozen=True)
class LocalChoices:
    risk_response: RiskResponse
    risk_terms: tuple[str, ...]
    posts_to_review: int

    def risk_matcher(self) -> RiskMatcher:
        return RiskMatcher(self.risk_terms)


async def load_local_choices(db: Database) -> LocalChoices:
    response = await get_setting(db, RISK_RESPONSE_SETTING)
    terms = await get_setting(db, RISK_TERMS_SETTING)
    reviews = await get_setting(db, NEW_MEMBER_SETTING)
    return LocalChoices(
        risk_response=RiskResponse(response) if response in {r.value for r in RiskResponse}
        else DEFAULT_RISK_RESPONSE,
        risk_terms=tuple(t for t in terms.splitlines() if t.strip()) if terms is not None
        else DEFAULT_RISK_TERMS,
        posts_to_review=int(reviews) if reviews is not None and reviews.isdigit() else 0,
    )


async def save_local_choices(db: Database, choices: LocalChoices) -> None:
    await set_setting(db, RISK_RESPONSE_SETTING, choices.risk_response.value)
    await set_setting(db, RISK_TERMS_SETTING, "\n".join(choices.risk_terms))
    await set_setting(db, NEW_MEMBER_SETTING, str(choices.posts_to_review))


class _Facts:
    def __init__(self, db: Database, choices: LocalChoices) -> None:
        self._db = db
        self._choices = choices
        self._matcher = choices.risk_matcher()

    def posts_to_review(self) -> int:
        return self._choices.posts_to_review

    async def published_posts(self, actor: str) -> int:
        found = await get_actor_by_uri(self._db, actor)
        return 0 if found is None else await hold_store.count_published_posts(self._db, found.id)

    def risk_matcher(self) -> RiskMatcher:
        return self._matcher

    def risk_response(self) -> RiskResponse:
        return self._choices.risk_response


async def judge_local_post(db: Database, *, author_uri: str, domain: str, text: str,
                           visibility: str) -> Decision:
    choices = await load_local_choices(db)
    facts = _Facts(db, choices)
    pipeline = Pipeline([account_policy(db), keyword_rules_policy(db), new_member_policy(facts),
                         risk_policy(facts)])
    return await pipeline.decide(Candidate(
        direction=Direction.OUTBOUND, kind="Create", actor=author_uri, domain=domain,
        text=text, audience=visibility,
    ))

"""Members of one community hear of each other as they hear of people elsewhere: a
mention, a reply, a like and a boost from a member here notify the member concerned,
nobody is notified of their own doing, and a held post tells nobody until it is
approved."""

from __future__ import annotations

from pathlib import Path

from moderation.risk import DEFAULT_RISK_TERMS, RiskResponse
from server.local_posts import LocalChoices, save_local_choices
from server.services import holding, posting, reactions
from server.storage import holds as hold_store
from server.storage.notifications import list_notifications
from tests.api.members import federation_of, member
from tests.instances import RunningInstance, run_instance


async def _kinds(kinhaven: RunningInstance, actor_id: int) -> list[tuple[str, int | None]]:
    return [(n.kind, n.from_actor_id) for n in await list_notifications(kinhaven.db, actor_id)]


async def test_mentions_replies_likes_and_boosts_between_members(tmp_path: Path) -> None:
    async with run_instance(tmp_path) as kinhaven:
        ada, bea = await member(kinhaven, "ada"), await member(kinhaven, "bea")
        here = federation_of(kinhaven)
        mine = await posting.publish(here, ada, "Planting bulbs today", visibility="public")
        await posting.publish(here, bea, "@ada how did it go?", visibility="local")
        await posting.publish(here, bea, "Lovely!", visibility="public", in_reply_to=mine.uri)
        await posting.publish(here, bea, "@ada answered and named", visibility="public",
                              in_reply_to=mine.uri)
        await reactions.like(here, bea, mine)
        await reactions.boost(here, bea, mine)
        await reactions.like(here, ada, mine)
        await posting.publish(here, ada, "Talking to myself", visibility="public",
                              in_reply_to=mine.uri)
        assert await _kinds(kinhaven, ada.id) == [
            ("reblog", bea.id), ("favourite", bea.id), ("mention", bea.id),
            ("reply", bea.id), ("mention", bea.id)]
        assert await _kinds(kinhaven, bea.id) == []


async def test_a_direct_reply_tells_only_the_people_it_names(tmp_path: Path) -> None:
    async with run_instance(tmp_path) as kinhaven:
        ada, bea, cal = (await member(kinhaven, "ada"), await member(kinhaven, "bea"),
                         await member(kinhaven, "cal"))
        here = federation_of(kinhaven)
        mine = await posting.publish(here, ada, "Anyone awake?", visibility="public")
        await posting.publish(here, bea, "@cal she asked", visibility="direct",
                              in_reply_to=mine.uri)
        assert await _kinds(kinhaven, ada.id) == []
        assert await _kinds(kinhaven, cal.id) == [("mention", bea.id)]


async def test_a_held_post_notifies_only_once_approved(tmp_path: Path) -> None:
    async with run_instance(tmp_path) as kinhaven:
        ada, new = await member(kinhaven, "ada"), await member(kinhaven, "newcomer")
        moderator = await member(kinhaven, "mod")
        here = federation_of(kinhaven)
        await save_local_choices(kinhaven.db, LocalChoices(
            risk_response=RiskResponse.PUBLISH_WITH_NOTE, risk_terms=DEFAULT_RISK_TERMS,
            posts_to_review=1))
        held = await posting.publish(here, new, "@ada hello, I'm new", visibility="public")
        assert held.held_at is not None
        assert await _kinds(kinhaven, ada.id) == []
        hold = await hold_store.hold_of_post(kinhaven.db, held.id)
        assert hold is not None
        await holding.decide_hold(here, hold.id, approve=True, by_id=moderator.id,
                                  by_name="@mod", note="")
        assert await _kinds(kinhaven, ada.id) == [("mention", new.id)]

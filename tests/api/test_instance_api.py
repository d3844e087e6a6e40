"""What the instance tells apps about itself, read by Mastodon.py (signed in or not) and
by hand: the admins' real choices, the limits posting enforces, a version Mastodon.py
accepts, and the moderated servers only while the admins publish them."""

from __future__ import annotations

import asyncio
import hashlib

import pytest
from mastodon import Mastodon, MastodonNotFoundError

from server.community import save_choices
from server.services.posting import MAX_MEDIA, MAX_POST_CHARACTERS
from server.storage import community as community_store
from server.storage import policy as policy_store
from server.storage.settings import set_setting
from server.web.blocklist import PUBLIC_LIST_SETTING
from tests.api import Team, call, mastodon
from tests.server.reading import remote_person


def _anonymous(team: Team) -> Mastodon:
    return Mastodon(api_base_url=team.kinhaven.base_url, version_check_mode="none",
                    request_timeout=10)


async def test_mastodon_py_reads_the_admins_choices(team: Team) -> None:
    db = team.kinhaven.db
    await save_choices(db, registrations="closed", crisis_resources="",
                       description="Where carers hold each other up.")
    await community_store.replace_rules(db, ["Be kind", "No selling"])
    client = _anonymous(team)

    v2 = await call(client.instance_v2)
    assert v2.domain == team.kinhaven.settings.domain
    assert v2.description == "Where carers hold each other up."
    assert [rule.text for rule in v2.rules] == ["Be kind", "No selling"]
    assert all(isinstance(rule.id, str) and rule.hint == "" for rule in v2.rules)
    assert v2.registrations.enabled is False and v2.registrations.approval_required is False
    assert v2.registrations.message
    assert v2.contact.account.username == "ada" and v2.contact.email == ""
    statuses = v2.configuration.statuses
    assert statuses.max_characters == MAX_POST_CHARACTERS == 5000
    assert statuses.max_media_attachments == MAX_MEDIA == 4
    assert statuses.characters_reserved_per_url == 23
    media = v2.configuration.media_attachments
    assert "image/png" in media.supported_mime_types and media.video_size_limit == 0
    assert media.image_size_limit > 0 and media.image_matrix_limit > 0
    assert v2.configuration.translation.enabled is False
    raw = (await team.kinhaven.client.get("/api/v2/instance")).json()
    assert "streaming" not in raw["configuration"]["urls"]
    assert v2.usage.users.active_month == 0
    assert v2.api_versions.mastodon == 2

    v1 = await call(client.instance_v1)
    assert v1.uri == team.kinhaven.settings.domain
    assert v1.registrations is False and v1.approval_required is False
    assert v1.stats.user_count == 3 and v1.contact_account.username == "ada"
    assert [rule.text for rule in v1.rules] == ["Be kind", "No selling"]
    assert v1.configuration.statuses.max_characters == MAX_POST_CHARACTERS

    rules = await call(client.instance_rules)
    assert [rule.text for rule in rules] == ["Be kind", "No selling"]
    assert await call(client.custom_emojis) == []
    extended = await call(client.instance_extended_description)
    assert extended.content == "<p>Where carers hold each other up.</p>"
    assert await call(client.instance_translation_languages) == {}


async def test_the_extended_description_escapes_the_admins_text(team: Team) -> None:
    await save_choices(team.kinhaven.db, registrations="approval", crisis_resources="",
                       description="Be <b>gentle</b>\nalways.\n\nSecond part")
    shown = (await team.kinhaven.client.get("/api/v1/instance/extended_description")).json()
    assert shown["content"] == ("<p>Be &lt;b&gt;gentle&lt;/b&gt;<br>always.</p>"
                                "<p>Second part</p>")


async def test_the_registration_mode_reads_as_mastodon_words_it(team: Team) -> None:
    db = team.kinhaven.db
    expected = {"approval": (True, True), "open": (True, False), "invite": (False, False),
                "closed": (False, False)}
    for mode, (enabled, approval) in expected.items():
        await save_choices(db, registrations=mode, crisis_resources="", description="")
        shown = (await team.kinhaven.client.get("/api/v2/instance")).json()
        assert (shown["registrations"]["enabled"],
                shown["registrations"]["approval_required"]) == (enabled, approval), mode
        assert shown["kinhaven_registrations"] == mode
        assert bool(shown["registrations"]["message"]) is not enabled
        v1 = (await team.kinhaven.client.get("/api/v1/instance")).json()
        assert (v1["registrations"], v1["invites_enabled"]) == (enabled, mode == "invite")


async def test_mastodon_py_accepts_the_version_when_it_checks(team: Team) -> None:
    client = await asyncio.to_thread(
        Mastodon, access_token=team.member_token, api_base_url=team.kinhaven.base_url,
        version_check_mode="created", request_timeout=10)
    assert (client.mastodon_major, client.mastodon_minor) == (4, 3)
    assert client.verify_minimum_version("4.0.0", cached=True)
    assert await call(client.filters_v2) == []
    version = (await call(client.instance_v2)).version
    assert version.startswith("4.3.0 (compatible; Kinhaven ")


async def test_moderated_servers_are_listed_only_while_published(team: Team) -> None:
    db = team.kinhaven.db
    await policy_store.block_domain(db, "spam.example", severity="suspend",
                                    reason="Spam", private_reason="ticket 9",
                                    by_id=None, by_name="tests")
    await policy_store.block_domain(db, "hateful.example", severity="limit",
                                    obfuscate=True, by_id=None, by_name="tests")
    await remote_person(team.kinhaven, "friend", "friendly.example")
    await remote_person(team.kinhaven, "spammer", "spam.example")
    client = _anonymous(team)

    blocks = {block.severity: block for block in await call(client.instance_domain_blocks)}
    assert set(blocks) == {"suspend", "silence"}
    assert blocks["suspend"].domain == "spam.example"
    assert blocks["suspend"].digest == hashlib.sha256(b"spam.example").hexdigest()
    assert blocks["suspend"].comment == "Spam"
    assert blocks["silence"].domain == "h*****l.e*****e"
    assert blocks["silence"].digest == hashlib.sha256(b"hateful.example").hexdigest()
    assert "ticket 9" not in (await team.kinhaven.client.get(
        "/api/v1/instance/domain_blocks")).text
    assert await call(client.instance_peers) == ["friendly.example"]

    await set_setting(db, PUBLIC_LIST_SETTING, "off")
    with pytest.raises(MastodonNotFoundError):
        await call(client.instance_domain_blocks)
    with pytest.raises(MastodonNotFoundError):
        await call(client.instance_peers)
    refused = await team.kinhaven.client.get("/api/v1/instance/domain_blocks")
    assert refused.status_code == 404 and "error" in refused.json()


async def test_signed_in_readers_get_the_same_document(team: Team) -> None:
    signed_in = await call(mastodon(team.kinhaven, team.member_token).instance_v2)
    anonymous = await call(_anonymous(team).instance_v2)
    assert signed_in == anonymous


async def test_no_contact_account_without_an_admin_who_may_act(team: Team) -> None:
    await team.kinhaven.db.write_statement(
        "UPDATE accounts SET role = 'member' WHERE role = 'admin'")
    shown = (await team.kinhaven.client.get("/api/v2/instance")).json()
    assert shown["contact"]["account"] is None
    assert (await team.kinhaven.client.get("/api/v1/instance")).json()[
        "contact_account"] is None

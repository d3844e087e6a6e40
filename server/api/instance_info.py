"""What the instance tells apps about itself, open to anyone as Mastodon's is: the v1
and v2 instance documents, the rules, the moderated servers and the peers.

Everything comes from the admins' real choices (the registration mode, the rules, the
description) and the limits the posting and media code enforce, so an app never offers
what the server would refuse. The version names a Mastodon release whose API Kinhaven
speaks, then Kinhaven's own (`4.3.0 (compatible; Kinhaven 0.1.0)`), as other compatible
servers do, so apps and libraries that read the leading number enable the right features.
Kinhaven has no polls, custom emoji, translation or streaming server, and says so (no
streaming URL is given). No contact address is published: the contact is the longest-
serving admin's account.
The list of moderated servers and the peers are published only while the admins
publish the list on the web (`/about/moderated-servers`); otherwise both are a 404.
"""

from __future__ import annotations

import hashlib
import html
from datetime import timedelta
from importlib.metadata import version

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from moderation.domains import SUSPEND, covers
from server.api.entities import JSON, account_json
from server.api.errors import not_found
from server.api.responses import api_json
from server.clock import now, to_text
from server.community import load_choices
from server.instance import Instance
from server.media.attachments import MAX_DESCRIPTION
from server.media.images import MAX_BYTES, MAX_PIXELS
from server.services.posting import MAX_MEDIA, MAX_POST_CHARACTERS
from server.storage import accounts as account_store
from server.storage import community as community_store
from server.storage import policy as policy_store
from server.storage import posts as post_store
from server.storage.actors import get_actor, known_domains
from server.storage.database import Database
from server.web.blocklist import obfuscated, public_list_on
from server.web.state import db_of, instance_of

MASTODON_VERSION = "4.3.0"
API_VERSION = 2
"""Mastodon's API version for 4.3, the release whose API Kinhaven follows."""
IMAGE_TYPES = ["image/jpeg", "image/png", "image/gif", "image/webp"]
URL_CHARACTERS = 23
LANGUAGES = ["en"]
SEVERITIES = {"suspend": "suspend", "limit": "silence"}
CLOSED = "Nobody can join this community for now."
INVITE_ONLY = "This community welcomes new members by invitation."


def version_text() -> str:
    return f"{MASTODON_VERSION} (compatible; Kinhaven {version('kinhaven')})"


def _limits() -> JSON:
    return {
        "accounts": {"max_featured_tags": 0, "max_pinned_statuses": 0},
        "statuses": {"max_characters": MAX_POST_CHARACTERS,
                     "max_media_attachments": MAX_MEDIA,
                     "characters_reserved_per_url": URL_CHARACTERS},
        "media_attachments": {
            "supported_mime_types": IMAGE_TYPES, "description_limit": MAX_DESCRIPTION,
            "image_size_limit": MAX_BYTES, "image_matrix_limit": MAX_PIXELS,
            "video_size_limit": 0, "video_frame_rate_limit": 0, "video_matrix_limit": 0},
        "polls": {"max_options": 0, "max_characters_per_option": 0,
                  "min_expiration": 0, "max_expiration": 0},
    }


async def _active_month(db: Database) -> int:
    return await account_store.count_active_authors(
        db, since=to_text(now() - timedelta(days=30)))


async def _rules(db: Database) -> list[JSON]:
    return [{"id": str(rule.id), "text": rule.text, "hint": ""}
            for rule in await community_store.list_rules(db)]


async def _contact_account(db: Database, instance: Instance) -> JSON | None:
    admin_id = await account_store.contact_admin_id(db)
    actor = None if admin_id is None else await get_actor(db, admin_id)
    return None if actor is None else await account_json(db, instance, actor)


def _open(mode: str) -> bool:
    """Whether anyone may sign up; with invitations only, as in Mastodon, nobody may."""
    return mode in ("open", "approval")


def _registration_message(mode: str) -> str | None:
    return {"closed": CLOSED, "invite": INVITE_ONLY}.get(mode)


async def instance_v2(request: Request) -> Response:
    db, instance = db_of(request), instance_of(request)
    choices = await load_choices(db)
    base = instance.urls.base
    configuration = _limits()
    configuration["urls"] = {"status": None, "about": f"{base}/about",
                             "privacy_policy": None, "terms_of_service": None}
    configuration["vapid"] = {"public_key": ""}
    configuration["translation"] = {"enabled": False}
    configuration["limited_federation"] = instance.settings.federation_mode == "allowlist"
    return api_json({
        "domain": instance.settings.domain,
        "title": instance.settings.domain,
        "version": version_text(),
        "source_url": "",
        "description": choices.description,
        "usage": {"users": {"active_month": await _active_month(db)}},
        "thumbnail": {"url": f"{base}/static/header.png"},
        "icon": [],
        "languages": LANGUAGES,
        "configuration": configuration,
        "registrations": {
            "enabled": _open(choices.registrations),
            "approval_required": choices.registrations == "approval",
            "reason_required": choices.registrations == "approval",
            "message": _registration_message(choices.registrations),
            "min_age": None, "url": None},
        "api_versions": {"mastodon": API_VERSION},
        "contact": {"email": "", "account": await _contact_account(db, instance)},
        "rules": await _rules(db),
        "kinhaven_registrations": choices.registrations,
    })


async def instance_v1(request: Request) -> Response:
    db, instance = db_of(request), instance_of(request)
    choices = await load_choices(db)
    return api_json({
        "uri": instance.settings.domain,
        "title": instance.settings.domain,
        "short_description": choices.description,
        "description": choices.description,
        "email": "",
        "version": version_text(),
        "urls": {},
        "stats": {"user_count": await account_store.count_accounts(db),
                  "status_count": await post_store.count_local_posts(db),
                  "domain_count": len(await known_domains(db))},
        "thumbnail": f"{instance.urls.base}/static/header.png",
        "languages": LANGUAGES,
        "registrations": _open(choices.registrations),
        "approval_required": choices.registrations == "approval",
        "invites_enabled": choices.registrations == "invite",
        "configuration": _limits(),
        "contact_account": await _contact_account(db, instance),
        "rules": await _rules(db),
    })


async def rules(request: Request) -> Response:
    return api_json(await _rules(db_of(request)))


async def domain_blocks(request: Request) -> Response:
    """Mastodon's DomainBlock list: the suspended and limited servers, each with its
    public reason; an obfuscated one shows only the digest of its real name."""
    if not await public_list_on(request):
        raise not_found()
    blocks = await policy_store.list_blocks(db_of(request))
    return api_json([{
        "domain": obfuscated(block.domain) if block.obfuscate else block.domain,
        "digest": hashlib.sha256(block.domain.encode("utf-8")).hexdigest(),
        "severity": SEVERITIES.get(block.severity, "noop"),
        "comment": block.public_comment or None,
    } for block in blocks])


async def peers(request: Request) -> Response:
    """The servers this instance knows accounts on, less those it suspends."""
    if not await public_list_on(request):
        raise not_found()
    db = db_of(request)
    suspended = [block.domain for block in await policy_store.list_blocks(db)
                 if block.severity == SUSPEND]
    return api_json([domain for domain in await known_domains(db)
                     if not any(covers(blocked, domain) for blocked in suspended)])


async def extended_description(request: Request) -> Response:
    """The admins' description as HTML paragraphs; Kinhaven keeps no date of its change."""
    text = (await load_choices(db_of(request))).description
    paragraphs = [part.strip() for part in text.split("\n\n") if part.strip()]
    return api_json({"updated_at": None, "content": "".join(
        f"<p>{html.escape(part)}</p>".replace("\n", "<br>") for part in paragraphs)})


async def custom_emojis(request: Request) -> Response:
    return api_json([])


async def translation_languages(request: Request) -> Response:
    """Nothing is translated here, so there is no pair of languages to offer."""
    return api_json({})


routes = [
    Route("/v1/instance", instance_v1, methods=["GET"]),
    Route("/v2/instance", instance_v2, methods=["GET"]),
    Route("/v1/instance/rules", rules, methods=["GET"]),
    Route("/v1/instance/domain_blocks", domain_blocks, methods=["GET"]),
    Route("/v1/instance/peers", peers, methods=["GET"]),
    Route("/v1/instance/extended_description", extended_description, methods=["GET"]),
    Route("/v1/instance/translation_languages", translation_languages, methods=["GET"]),
    Route("/v1/custom_emojis", custom_emojis, methods=["GET"]),
]

"""Mastodon's admin API for domain blocks and domain allows.

Every change goes through `server.storage.policy`, the functions the command line and
the pages use, so it is audited in the same transaction under the caller's name, and
a suspension severs follows at once. Mastodon's `silence` is Kinhaven's `limit`.
As in Mastodon, a new block is refused while another already covers the domain (itself
or a parent); the answer describes that one, so the client can change it instead.
Kinhaven's own domain cannot be blocked.
"""

from __future__ import annotations

import hashlib

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from moderation.domains import LIMIT, NOOP, SUSPEND, InvalidDomain, covers, normalize_domain
from server.api.auth import Caller, require_moderator
from server.api.entities import JSON, timestamp
from server.api.errors import ApiError, or_not_found, validation_failed
from server.api.paging import paged_json, read_window
from server.api.params import Params, read_params
from server.api.responses import api_json
from server.api.routing import record_id
from server.storage import domain_records as records
from server.storage import policy as policy_store
from server.storage.domain_records import NumberedAllow, NumberedBlock
from server.web.state import db_of, instance_of

READ_BLOCKS, WRITE_BLOCKS = "admin:read:domain_blocks", "admin:write:domain_blocks"
READ_ALLOWS, WRITE_ALLOWS = "admin:read:domain_allows", "admin:write:domain_allows"
FROM_MASTODON = {"silence": LIMIT, "suspend": SUSPEND, "noop": NOOP}
TO_MASTODON = {ours: theirs for theirs, ours in FROM_MASTODON.items()}
COMMENT_LENGTH = 5000


def block_json(block: NumberedBlock) -> JSON:
    """Mastodon's Admin::DomainBlock."""
    policy = block.policy
    return {
        "id": str(block.id),
        "domain": policy.domain,
        "digest": hashlib.sha256(policy.domain.encode("utf-8")).hexdigest(),
        "created_at": timestamp(policy.created_at),
        "severity": TO_MASTODON[policy.severity],
        "reject_media": policy.reject_media,
        "reject_reports": policy.reject_reports,
        "private_comment": policy.private_comment or None,
        "public_comment": policy.public_comment or None,
        "obfuscate": policy.obfuscate,
    }


def allow_json(allow: NumberedAllow) -> JSON:
    """Mastodon's Admin::DomainAllow."""
    return {"id": str(allow.id), "domain": allow.allow.domain,
            "created_at": timestamp(allow.allow.created_at)}


def _domain(params: Params) -> str:
    text = params.text("domain")
    if text is None or not text.strip():
        raise validation_failed("Domain can't be blank")
    try:
        return normalize_domain(text)
    except InvalidDomain as error:
        raise validation_failed("Domain is not a valid domain name") from error


def _severity(params: Params, current: str) -> str:
    text = params.text("severity")
    if text is None or text == "":
        return current
    if text not in FROM_MASTODON:
        raise validation_failed("Severity is not included in the list")
    return FROM_MASTODON[text]


def _comment(params: Params, name: str, current: str) -> str:
    text = params.text(name)
    if text is None:
        return current
    if len(text) > COMMENT_LENGTH:
        label = name.replace("_", " ").capitalize()
        raise validation_failed(f"{label} is too long (maximum is {COMMENT_LENGTH} characters)")
    return text.strip()


def _flag(params: Params, name: str, current: bool) -> bool:
    value = params.boolean(name)
    return current if value is None else value


async def _record(request: Request, block: NumberedBlock | None, params: Params,
                  caller: Caller, domain: str) -> Response:
    """Record the block asked for, over `block`'s values when it is a change."""
    current = None if block is None else block.policy
    await policy_store.block_domain(
        db_of(request), domain,
        severity=_severity(params, LIMIT if current is None else current.severity),
        reason=_comment(params, "public_comment", current.public_comment if current else ""),
        private_reason=_comment(params, "private_comment",
                                current.private_comment if current else ""),
        reject_media=_flag(params, "reject_media", bool(current and current.reject_media)),
        reject_reports=_flag(params, "reject_reports",
                             bool(current and current.reject_reports)),
        force_sensitive=bool(current and current.force_sensitive),
        obfuscate=_flag(params, "obfuscate", bool(current and current.obfuscate)),
        by_id=caller.actor.id, by_name=caller.by_name,
    )
    recorded = await records.block_for(db_of(request), domain)
    assert recorded is not None
    return api_json(block_json(recorded))


async def list_blocks(request: Request) -> Response:
    await require_moderator(request, READ_BLOCKS)
    window = read_window(await read_params(request))
    blocks = await records.page_blocks(db_of(request), window)
    return paged_json(request, [block_json(block) for block in blocks], window,
                      [block.id for block in blocks])


async def _find_block(request: Request) -> NumberedBlock:
    return or_not_found(await records.get_block(db_of(request), record_id(request)))


async def show_block(request: Request) -> Response:
    await require_moderator(request, READ_BLOCKS)
    return api_json(block_json(await _find_block(request)))


async def create_block(request: Request) -> Response:
    caller = await require_moderator(request, WRITE_BLOCKS)
    params = await read_params(request)
    domain = _domain(params)
    own = instance_of(request).settings.domain
    if covers(domain, own):
        raise validation_failed(f"Domain {domain} covers this server's own domain {own}")
    _severity(params, LIMIT)  # refuse a bad severity before saying a block exists
    existing = await records.covering_block(db_of(request), domain)
    if existing is not None:
        raise ApiError(422, f"A domain block for {existing.policy.domain} already exists;"
                       " change or remove it instead",
                       {"existing_domain_block": block_json(existing)})
    return await _record(request, None, params, caller, domain)


async def update_block(request: Request) -> Response:
    caller = await require_moderator(request, WRITE_BLOCKS)
    block = await _find_block(request)
    return await _record(request, block, await read_params(request), caller,
                         block.policy.domain)


async def delete_block(request: Request) -> Response:
    caller = await require_moderator(request, WRITE_BLOCKS)
    block = await _find_block(request)
    await policy_store.unblock_domain(db_of(request), block.policy.domain,
                                      by_id=caller.actor.id, by_name=caller.by_name)
    return api_json({})


async def list_allows(request: Request) -> Response:
    await require_moderator(request, READ_ALLOWS)
    window = read_window(await read_params(request))
    allows = await records.page_allows(db_of(request), window)
    return paged_json(request, [allow_json(allow) for allow in allows], window,
                      [allow.id for allow in allows])


async def _find_allow(request: Request) -> NumberedAllow:
    return or_not_found(await records.get_allow(db_of(request), record_id(request)))


async def show_allow(request: Request) -> Response:
    await require_moderator(request, READ_ALLOWS)
    return api_json(allow_json(await _find_allow(request)))


async def create_allow(request: Request) -> Response:
    """An allow that exists already is answered as it is, unchanged, as Mastodon does."""
    caller = await require_moderator(request, WRITE_ALLOWS)
    domain = _domain(await read_params(request))
    db = db_of(request)
    if await records.allow_for(db, domain) is None:
        await policy_store.allow_domain(db, domain, by_id=caller.actor.id,
                                        by_name=caller.by_name)
    allow = await records.allow_for(db, domain)
    assert allow is not None
    return api_json(allow_json(allow))


async def delete_allow(request: Request) -> Response:
    caller = await require_moderator(request, WRITE_ALLOWS)
    allow = await _find_allow(request)
    await policy_store.disallow_domain(db_of(request), allow.allow.domain,
                                       by_id=caller.actor.id, by_name=caller.by_name)
    return api_json({})


routes = [
    Route("/v1/admin/domain_blocks", list_blocks, methods=["GET"]),
    Route("/v1/admin/domain_blocks", create_block, methods=["POST"]),
    Route("/v1/admin/domain_blocks/{id}", show_block, methods=["GET"]),
    Route("/v1/admin/domain_blocks/{id}", update_block, methods=["PUT", "PATCH"]),
    Route("/v1/admin/domain_blocks/{id}", delete_block, methods=["DELETE"]),
    Route("/v1/admin/domain_allows", list_allows, methods=["GET"]),
    Route("/v1/admin/domain_allows", create_allow, methods=["POST"]),
    Route("/v1/admin/domain_allows/{id}", show_allow, methods=["GET"]),
    Route("/v1/admin/domain_allows/{id}", delete_allow, methods=["DELETE"]),
]

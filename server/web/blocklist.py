"""The public list of the domains this community blocks, with the reasons it gives, as
Mastodon's "moderated servers" page; admins can turn it off."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from server.storage import policy as policy_store
from server.storage.policy import DomainPolicy
from server.storage.settings import get_setting
from server.web.state import db_of
from server.web.templating import render

PUBLIC_LIST_SETTING = "public_domain_blocks"
SEVERITY_WORDS = {"suspend": "Suspended: nothing is exchanged",
                  "limit": "Limited: hidden from public timelines"}


def obfuscated(domain: str) -> str:
    """`bad.example` becomes `b*d.ex****e`, as Mastodon shows domains it obfuscates: enough
    for their admins to recognise, not enough to send people there."""
    return ".".join(label if len(label) < 3 else label[0] + "*" * (len(label) - 2) + label[-1]
                    for label in domain.split("."))


def _entry(policy: DomainPolicy) -> dict[str, str]:
    effects = [SEVERITY_WORDS[policy.severity]] if policy.severity in SEVERITY_WORDS else []
    if policy.reject_media:
        effects.append("Media not shown")
    if policy.reject_reports:
        effects.append("Reports not accepted")
    if policy.force_sensitive:
        effects.append("Media marked sensitive")
    return {"domain": obfuscated(policy.domain) if policy.obfuscate else policy.domain,
            "effects": "; ".join(effects) or "Noted", "reason": policy.public_comment}


async def public_list_on(request: Request) -> bool:
    return await get_setting(db_of(request), PUBLIC_LIST_SETTING) != "off"


async def blocklist_page(request: Request) -> Response:
    if not await public_list_on(request):
        return render(request, "message.html", {
            "heading": "Moderated servers",
            "paragraphs": ["This community does not publish its list of moderated servers."],
        }, status_code=404)
    blocks = await policy_store.list_blocks(db_of(request))
    return render(request, "blocklist.html", {"entries": [_entry(p) for p in blocks]})


routes = [Route("/about/moderated-servers", blocklist_page)]

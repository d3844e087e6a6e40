"""Mastodon's `GET /api/v2/search`: accounts, posts by address, and hashtags.

Accounts: members here by name, as the people search finds them (the exact name, and
others who chose to be found), and accounts elsewhere already known here; with
`resolve`, a handle (`name@server`, `@name@server`) or a profile address is looked up
on its server through WebFinger, as the people search does. Posts: Kinhaven has no
full-text search, so only an address finds one: ours, one known here, or with
`resolve` one fetched from its server through the inbound moderation pipeline
(`server.services.fetching`); the reader must be entitled to see it. Hashtags: those
in use that start with the words given.

Search needs a member's token: Kinhaven's people search is for members only.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from server.activitypub.context import Federation
from server.activitypub.remote import ActorUnavailable
from server.api.auth import Caller, require_scope
from server.api.entities import JSON, account_json
from server.api.errors import bad_request, validation_failed
from server.api.paging import read_id, read_window
from server.api.params import Params, read_params
from server.api.responses import api_json
from server.api.timeline_statuses import post_status
from server.services import relations
from server.services.fetching import NotFetched, fetch_remote_post
from server.services.relations import RelationError
from server.storage import network, timelines
from server.storage import search as search_store
from server.storage.actors import Actor, get_actor_by_handle
from server.storage.follows import is_following
from server.storage.visibility import Reader
from server.web.people import HOST, LOCAL_NAME, QUERY_LENGTH, REMOTE_NAME
from server.web.state import db_of, instance_of

READ_SEARCH = "read:search"
TYPES = ("accounts", "statuses", "hashtags")
DEFAULT_LIMIT, MAX_LIMIT = 20, 40
MAX_OFFSET = 10_000
TAG = re.compile(r"\A\w{1,100}\Z")
PROFILE = re.compile(r"\A/@([A-Za-z0-9_][A-Za-z0-9_.\-]{0,99})\Z")
OUR_POST = re.compile(r"\A/(?:posts|@[^/]+|users/[^/]+/statuses)/(\d{1,18})\Z")


class _Search:
    """One search by one member: what they asked, and the answers shaped for them."""

    def __init__(self, request: Request, caller: Caller, params: Params) -> None:
        self.request = request
        self.db = db_of(request)
        self.instance = instance_of(request)
        self.viewer = caller.actor
        self.query = (params.text("q") or "").strip()
        if not self.query:
            raise bad_request("q is missing")
        if len(self.query) > QUERY_LENGTH:
            raise validation_failed(f"q is longer than {QUERY_LENGTH} characters")
        self.resolve = bool(params.boolean("resolve"))
        self.following = bool(params.boolean("following"))
        self.limit = read_window(params, default=DEFAULT_LIMIT, maximum=MAX_LIMIT).limit
        self.offset = min(read_id(params, "offset") or 0, MAX_OFFSET)

    @property
    def federation(self) -> Federation:
        federation: Federation = self.request.app.state.federation
        return federation

    @property
    def address(self) -> str | None:
        """The query as a web address, if it is one."""
        parts = urlsplit(self.query)
        return self.query if parts.scheme in ("http", "https") and parts.netloc else None

    def _ours(self, address: str) -> bool:
        return urlsplit(address).netloc.lower() == self.instance.settings.domain.lower()

    async def _shown(self, actor: Actor | None) -> bool:
        if actor is None or actor.deleted_at is not None:
            return False
        if await network.blocks_viewer(self.db, actor.id, self.viewer.id):
            return False
        if not actor.local and await self.federation.is_suspended(actor.domain):
            return False
        return not self.following or await is_following(self.db, self.viewer.id, actor.id)

    async def _resolve_address(self, address: str) -> Actor | None:
        """An actor's id, or a profile address of the `/@name` kind through WebFinger."""
        try:
            return await self.federation.remote.get(address)
        except ActorUnavailable:
            pass
        parts = urlsplit(address)
        match = PROFILE.match(parts.path)
        if match is None:
            return None
        try:
            return await relations.find_remote_account(self.federation,
                                                       f"{match[1]}@{parts.netloc}")
        except RelationError:
            return None

    async def _found_accounts(self) -> list[Actor]:
        window = self.offset + self.limit
        address = self.address
        if address is not None:
            actor = await search_store.actor_by_address(self.db, address)
            if actor is None and self.resolve and not self._ours(address):
                actor = await self._resolve_address(address)
            return [actor] if actor is not None else []
        text = self.query.removeprefix("@")
        name, _, host = text.partition("@")
        if not host:
            local = await network.find_members(self.db, self.viewer.id, name, limit=window) \
                if LOCAL_NAME.match(name) else []
            known = await search_store.known_remote_accounts(
                self.db, self.viewer.id, name, None, limit=window, offset=0) \
                if REMOTE_NAME.match(name) else []
            return [*local, *known]
        if not REMOTE_NAME.match(name) or not HOST.match(host):
            return []
        if host.lower() == self.instance.settings.domain.lower():
            found = await network.find_members(self.db, self.viewer.id, name, limit=window) \
                if LOCAL_NAME.match(name) else []
            return [actor for actor in found if actor.username.lower() == name.lower()]
        exact = await get_actor_by_handle(self.db, name, host)
        if exact is None and self.resolve:
            try:
                exact = await relations.find_remote_account(self.federation, f"{name}@{host}")
            except RelationError:
                exact = None
        known = await search_store.known_remote_accounts(
            self.db, self.viewer.id, name, host, limit=window, offset=0)
        return [*([exact] if exact else []), *(a for a in known if exact is None or
                                                a.id != exact.id)]

    async def accounts(self) -> list[JSON]:
        shown = [actor for actor in await self._found_accounts() if await self._shown(actor)]
        page = list({actor.id: actor for actor in shown}.values())
        return [await account_json(self.db, self.instance, actor)
                for actor in page[self.offset:self.offset + self.limit]]

    async def statuses(self) -> list[JSON]:
        address = self.address
        if address is None or self.offset:
            return []
        post_id = await search_store.post_id_by_address(self.db, address)
        if post_id is None and self._ours(address):
            match = OUR_POST.match(urlsplit(address).path)
            post_id = int(match[1]) if match else None
        elif post_id is None and self.resolve:
            try:
                post_id = (await fetch_remote_post(self.federation, address)).id
            except NotFetched:
                post_id = None
        post = None if post_id is None else await timelines.visible_post(
            self.db, Reader(self.viewer.id), post_id)
        if post is None:
            return []
        return [await post_status(self.db, self.instance, post, self.viewer)]

    async def hashtags(self) -> list[JSON]:
        name = self.query.lstrip("#").strip()
        if not TAG.match(name):
            return []
        base = self.instance.urls.base
        return [{"name": tag, "url": f"{base}/tags/{tag}", "history": [], "following": False}
                for tag in await search_store.tags_like(self.db, name, limit=self.limit,
                                                        offset=self.offset)]


async def search(request: Request) -> Response:
    caller = await require_scope(request, READ_SEARCH)
    params = await read_params(request)
    wanted = params.text("type")
    searching = _Search(request, caller, params)
    answer: dict[str, list[JSON]] = {kind: [] for kind in TYPES}
    if wanted in (None, "", "accounts"):
        answer["accounts"] = await searching.accounts()
    if wanted in (None, "", "statuses"):
        answer["statuses"] = await searching.statuses()
    if wanted in (None, "", "hashtags"):
        answer["hashtags"] = await searching.hashtags()
    return api_json(answer)


routes = [Route("/v2/search", search, methods=["GET"])]

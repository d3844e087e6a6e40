"""WebFinger, host-meta and NodeInfo: how other servers and crawlers find us."""

from __future__ import annotations

import json
from datetime import timedelta
from importlib.metadata import version

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from federation import nodeinfo
from federation.activitystreams import JRD_JSON, XRD_XML
from federation.webfinger import (
    AccountQuery,
    BadResource,
    NotOurs,
    build_jrd,
    host_meta_xml,
    parse_resource,
)
from server.clock import now, to_text
from server.storage import accounts as account_store
from server.storage import posts as post_store
from server.storage.actors import Actor, get_actor_by_uri, get_local_actor_by_username
from server.web.responses import json_error
from server.web.state import db_of, instance_of

_OPEN_CORS = {"Access-Control-Allow-Origin": "*"}
_CACHE_3_DAYS = {"Cache-Control": "max-age=259200, public", **_OPEN_CORS}


async def _find_actor(request: Request, query: AccountQuery | str) -> Actor | None:
    db = db_of(request)
    instance = instance_of(request)
    if isinstance(query, AccountQuery):
        return await get_local_actor_by_username(db, query.username)
    actor = await get_actor_by_uri(db, query)
    if actor is not None:
        return actor if actor.local else None
    prefix = f"{instance.urls.base}/@"
    if query.startswith(prefix):
        return await get_local_actor_by_username(db, query[len(prefix) :])
    return None


async def webfinger(request: Request) -> Response:
    instance = instance_of(request)
    try:
        query = parse_resource(request.query_params.get("resource"), instance.settings.domain)
    except BadResource as error:
        return json_error(400, str(error))
    except NotOurs:
        return json_error(404, "that resource is not on this instance")
    actor = await _find_actor(request, query if isinstance(query, AccountQuery) else query.url)
    if actor is None or actor.deleted_at is not None:
        return json_error(404, "no such account")
    profile_url = None
    if actor.actor_type == "Person":
        account = await account_store.get_account(db_of(request), actor.id)
        if account is None or not account.approved:
            return json_error(404, "no such account")
        if account.suspended:
            return json_error(410, "this account is suspended")
        profile_url = actor.url
    document = build_jrd(
        username=actor.username,
        domain=instance.settings.domain,
        actor_uri=actor.uri,
        profile_url=profile_url,
        interact_template=f"{instance.urls.base}/authorize_interaction?uri={{uri}}",
    )
    return Response(
        json.dumps(document), media_type=JRD_JSON, headers=_CACHE_3_DAYS
    )


async def host_meta(request: Request) -> Response:
    return Response(
        host_meta_xml(instance_of(request).urls.base), media_type=XRD_XML, headers=_CACHE_3_DAYS
    )


async def nodeinfo_links(request: Request) -> Response:
    return JSONResponse(nodeinfo.discovery(instance_of(request).urls.base), headers=_OPEN_CORS)


async def nodeinfo_document(request: Request) -> Response:
    schema_version = request.path_params["version"]
    if schema_version not in nodeinfo.VERSIONS:
        return json_error(404, "unknown NodeInfo version")
    db = db_of(request)
    instance = instance_of(request)
    moment = now()
    facts = nodeinfo.NodeFacts(
        software_version=version("kinhaven"),
        total_users=await account_store.count_accounts(db),
        active_month=await account_store.count_active_authors(
            db, since=to_text(moment - timedelta(days=30))
        ),
        active_halfyear=await account_store.count_active_authors(
            db, since=to_text(moment - timedelta(days=180))
        ),
        local_posts=await post_store.count_local_posts(db),
        open_registrations=False,
        node_name=instance.settings.domain,
        node_description="A Kinhaven peer-support community",
    )
    return Response(
        json.dumps(nodeinfo.document(schema_version, facts)),
        media_type=nodeinfo.content_type(schema_version),
        headers=_OPEN_CORS,
    )


routes = [
    Route("/.well-known/webfinger", webfinger),
    Route("/.well-known/host-meta", host_meta),
    Route("/.well-known/nodeinfo", nodeinfo_links),
    Route("/nodeinfo/{version}", nodeinfo_document),
]

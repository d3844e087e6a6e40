"""Mastodon's CSV domain block lists on the moderators' page: upload one to import it,
download ours to share it.

An import records every good row in one transaction (each audited) and says which rows
it refused and why; a file that cannot be read at all changes nothing.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from moderation.domain_csv import (
    MAX_BYTES,
    CsvBlock,
    UnreadableList,
    export_blocklist,
    parse_blocklist,
)
from moderation.domains import covers
from server.storage import policy as policy_store
from server.web.domains import SEVERITY_NAMES, by_name, domains_page
from server.web.forms import SMALL_FORM, FieldErrors, FormRejected, read_form, uploads
from server.web.guards import require_moderator
from server.web.state import db_of, instance_of
from server.web.templating import render

IMPORT_FORM = MAX_BYTES + SMALL_FORM
"""The largest list Mastodon-sized block lists need, and room for the form around it."""
_MIB = 1024 * 1024


def _printable(name: str) -> str:
    """An uploaded file's name, safe to keep in the audit log."""
    return "".join(c for c in name if c.isprintable())[:100]


async def _refused(request: Request, message: str, *, status_code: int) -> Response:
    errors = FieldErrors()
    errors.add("blocklist", f"{message} Nothing was imported.")
    return await domains_page(request, errors=errors, values={}, status_code=status_code)


async def import_list(request: Request) -> Response:
    viewer = require_moderator(request)
    try:
        form = await read_form(request, limit=IMPORT_FORM)
    except FormRejected as error:
        if error.status_code != 413:
            raise
        return await _refused(request, f"That file is larger than {MAX_BYTES // _MIB} MiB,"
                              " the most a block list may be.", status_code=413)
    try:
        files = uploads(form, "blocklist")
        if not files:
            return await _refused(request, "Please choose a CSV file to import.",
                                  status_code=422)
        data = await files[0].read()
        source = _printable(files[0].filename or "")
    finally:
        await form.close()
    try:
        parsed = parse_blocklist(data)
    except UnreadableList as error:
        return await _refused(request, f"This file cannot be imported: {error}.",
                              status_code=422)
    if not parsed.blocks and not parsed.errors:
        return await _refused(request, "This file has no domain blocks in it.",
                              status_code=422)
    own_domain = instance_of(request).settings.domain
    own = [block for block in parsed.blocks if covers(block.domain, own_domain)]
    wanted = [policy_store.DomainPolicy(b.domain, b.severity, b.reject_media, b.reject_reports,
                                        public_comment=b.public_comment, obfuscate=b.obfuscate)
              for b in parsed.blocks if b not in own]
    recorded = await policy_store.import_blocks(db_of(request), wanted, source=source,
                                                by_id=viewer.actor.id, by_name=by_name(viewer))
    kept = {policy.domain for policy in recorded}
    refused = [(f"Line {error.line}", error.reason) for error in parsed.errors]
    refused += [(block.domain, f"covers this server's own domain ({own_domain})")
                for block in own]
    return render(request, "admin/domain_import.html", {
        "source": source, "recorded": recorded, "severity_names": SEVERITY_NAMES,
        "covered": [p.domain for p in wanted if p.domain not in kept], "refused": refused,
    }, status_code=200 if recorded or not refused else 422)


async def export_list(request: Request) -> Response:
    require_moderator(request)
    blocks = [CsvBlock(p.domain, p.severity, p.reject_media, p.reject_reports,
                       p.public_comment, p.obfuscate)
              for p in await policy_store.list_blocks(db_of(request))]
    return Response(export_blocklist(blocks), media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": 'attachment; filename="domain_blocks.csv"',
        "Cache-Control": "private, no-store",
    })


routes = [
    Route("/admin/domains/import", import_list, methods=["POST"]),
    Route("/admin/domains/export", export_list, methods=["GET"]),
]

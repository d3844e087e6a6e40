"""ActivityStreams vocabulary, media types and content negotiation."""

from __future__ import annotations

from enum import Enum

AS_CONTEXT = "https://www.w3.org/ns/activitystreams"
SECURITY_CONTEXT = "https://w3id.org/security/v1"
WEBFINGER_CONTEXT = "https://purl.archive.org/socialweb/webfinger"
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
PUBLIC_ALIASES = frozenset({PUBLIC, "as:Public", "Public"})

ACTIVITY_JSON = "application/activity+json"
LD_JSON_PROFILE = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
JRD_JSON = "application/jrd+json"
XRD_XML = "application/xrd+xml"


class Representation(Enum):
    ACTIVITY = "activity"
    HTML = "html"


_ACTIVITY_TYPES = {"application/activity+json", "application/ld+json"}
_HTML_TYPES = {"text/html", "application/xhtml+xml"}


def _parse_accept(header: str) -> list[tuple[float, int, str, str]]:
    entries = []
    for position, part in enumerate(header.split(",")):
        fields = [field.strip() for field in part.split(";")]
        media_type = fields[0].lower()
        if not media_type:
            continue
        quality = 1.0
        params = []
        for field in fields[1:]:
            name, _, value = field.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
            else:
                params.append(field)
        entries.append((quality, -position, media_type, ";".join(params)))
    return sorted(entries, reverse=True)


def negotiate(accept: str | None) -> Representation | None:
    """Choose between the ActivityStreams JSON and the HTML page of a resource.

    A missing Accept or a bare `*/*` gets the page (what curl and browsers expect,
    and what Mastodon does); an explicit ActivityStreams type gets JSON; an Accept that
    allows neither gets None, which the caller answers with 406.
    """
    if not accept or not accept.strip():
        return Representation.HTML
    for quality, _, media_type, _params in _parse_accept(accept):
        if quality <= 0:
            continue
        if media_type in _ACTIVITY_TYPES:
            return Representation.ACTIVITY
        if media_type in _HTML_TYPES or media_type in ("*/*", "text/*"):
            return Representation.HTML
    return None


def activity_content_type(accept: str | None) -> str:
    """Answer in the ActivityStreams type the client asked for (both are accepted by Mastodon)."""
    if accept and "application/ld+json" in accept.lower() and ACTIVITY_JSON not in accept.lower():
        return LD_JSON_PROFILE
    return ACTIVITY_JSON

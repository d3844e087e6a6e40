"""Remote HTML cleaned on the way in with nh3 (the Ammonia sanitizer), to an allow-list
modelled on Mastodon's MASTODON_STRICT. Headings become bold paragraphs first, so a
remote post cannot shout in a member's timeline."""

from __future__ import annotations

import html
import re

import nh3

TAGS = {"p", "br", "span", "a", "del", "s", "pre", "blockquote", "code", "b", "strong", "u",
        "i", "em", "ul", "ol", "li", "ruby", "rt", "rp"}
ATTRIBUTES = {
    "*": {"lang"},
    "a": {"href", "class", "translate"},
    "span": {"class", "translate"},
    "ol": {"start", "reversed"},
    "li": {"value"},
    "p": {"class"},
}
SCHEMES = {"http", "https", "dat", "dweb", "ipfs", "ipns", "ssb", "gopher", "xmpp", "magnet",
           "gemini"}
_CLASS = re.compile(r"^(?:(?:h|p|u|dt|e)-[\w-]+|mention|hashtag|ellipsis|invisible|quote-inline)$")
_HEADING = re.compile(r"<(/?)h[1-6](\s[^>]*)?>", re.IGNORECASE)
_DROP_CONTENT = {"script", "style", "template", "textarea", "title", "noscript", "iframe",
                 "object", "svg", "math"}


def _filter(element: str, attribute: str, value: str) -> str | None:
    if attribute == "class":
        kept = " ".join(name for name in value.split() if _CLASS.match(name))
        return kept or None
    if attribute == "translate":
        return value if value == "no" else None
    return value


def _headings(text: str) -> str:
    return _HEADING.sub(lambda m: "</strong></p>" if m.group(1) else "<p><strong>", text)


_CLEANER = nh3.Cleaner(
    tags=TAGS,
    clean_content_tags=_DROP_CONTENT,
    attributes=ATTRIBUTES,
    attribute_filter=_filter,
    url_schemes=SCHEMES,
    link_rel="nofollow noopener noreferrer",
    set_tag_attribute_values={"a": {"target": "_blank"}},
    strip_comments=True,
)
"""Built once: `nh3.clean` converts the allow-lists anew on every call, which costs
more than cleaning a typical post."""


def sanitize_html(text: str) -> str:
    return _CLEANER.clean(_headings(text))


_BREAK = re.compile(r"<br\s*/?>|</p>|</li>|</blockquote>", re.IGNORECASE)


def html_to_text(text: str) -> str:
    """Plain text for keyword matching and previews."""
    with_breaks = _BREAK.sub("\n", text)
    return html.unescape(nh3.clean(with_breaks, tags=set())).strip()

"""A member's plain text to safe HTML: paragraphs, links, @mentions and #hashtags.

Everything is escaped first and only our own markup is added, so no member can
inject HTML; the output uses Mastodon's microformat classes so remote servers keep it.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

URL = re.compile(r"\bhttps?://[^\s<>\"']+[^\s<>\"'.,;:!?)\]]")
MENTION = re.compile(r"(?<![\w@/])@([a-z0-9_]{1,30})(?:@([a-z0-9.-]+(?::\d{1,5})?))?", re.I)
HASHTAG = re.compile(r"(?<![\w#&/])#(\w{1,100})", re.UNICODE)


@dataclass(frozen=True)
class MentionRef:
    username: str
    host: str | None

    def handle(self, local_domain: str) -> str:
        return f"{self.username}@{self.host or local_domain}"


@dataclass(frozen=True)
class Formatted:
    html: str
    mentions: list[MentionRef]
    hashtags: list[str]


def find_mentions(text: str) -> list[MentionRef]:
    found = [MentionRef(m.group(1), m.group(2).lower() if m.group(2) else None)
             for m in MENTION.finditer(text)]
    return list(dict.fromkeys(found))


def render(text: str, *, mention_urls: dict[MentionRef, str], tag_url: str) -> Formatted:
    """`mention_urls` maps the mentions we could resolve to profile URLs; others stay text.
    `tag_url` is a template with `{tag}`."""
    tags: list[str] = []
    mentions: list[MentionRef] = []
    paragraphs = []
    for block in re.split(r"\n\s*\n", text.strip()):
        pieces = []
        for line in block.split("\n"):
            pieces.append(_render_line(line, mention_urls, tag_url, tags, mentions))
        paragraphs.append("<p>" + "<br>".join(pieces) + "</p>")
    return Formatted("".join(paragraphs), list(dict.fromkeys(mentions)),
                     list(dict.fromkeys(tags)))


def _render_line(line: str, mention_urls: dict[MentionRef, str], tag_url: str,
                 tags: list[str], mentions: list[MentionRef]) -> str:
    tokens = []
    position = 0
    pattern = re.compile(f"{URL.pattern}|{MENTION.pattern}|{HASHTAG.pattern}", re.I | re.UNICODE)
    for match in pattern.finditer(line):
        tokens.append(html.escape(line[position:match.start()]))
        token = match.group(0)
        if token.startswith("#"):
            tag = token[1:].lower()
            tags.append(tag)
            href = html.escape(tag_url.format(tag=tag))
            tokens.append(f'<a href="{href}" class="mention hashtag" rel="tag">'
                          f"#<span>{html.escape(token[1:])}</span></a>")
        elif token.startswith("@"):
            ref = MentionRef(match.group(1), match.group(2).lower() if match.group(2) else None)
            url = mention_urls.get(ref)
            if url is None:
                tokens.append(html.escape(token))
            else:
                mentions.append(ref)
                tokens.append(
                    f'<span class="h-card" translate="no"><a href="{html.escape(url)}"'
                    f' class="u-url mention">@<span>{html.escape(ref.username)}</span></a></span>'
                )
        else:
            safe = html.escape(token)
            tokens.append(f'<a href="{safe}" rel="nofollow noopener noreferrer" '
                          f'target="_blank">{safe}</a>')
        position = match.end()
    tokens.append(html.escape(line[position:]))
    return "".join(tokens)

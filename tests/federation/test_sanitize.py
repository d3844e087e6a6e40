"""Remote HTML to Mastodon's strict allow-list."""

from __future__ import annotations

import pytest

from federation.sanitize import html_to_text, sanitize_html

HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    '<p style="background:url(javascript:alert(1))">x</p>',
    "<svg onload=alert(1)><circle/></svg>",
    '<iframe src="https://evil.example"></iframe>',
    "<style>body{display:none}</style>",
    '<p onclick="alert(1)" onmouseover="alert(2)">x</p>',
    "<math><mi>x</mi></math>",
    "<form action=https://evil.example><input name=p></form>",
    "<b><i>unclosed <u>tags",
    '<object data="x.swf"></object><embed src="x.swf">',
]


@pytest.mark.parametrize("html", HOSTILE)
def test_hostile_html_is_defused(html: str) -> None:
    cleaned = sanitize_html(html).lower()
    for bad in ("<script", "onerror", "onload", "onclick", "javascript:", "vbscript:", "data:",
                "<img", "<svg", "<iframe", "<style", "style=", "<form", "<input", "<object",
                "<embed", "<math"):
        assert bad not in cleaned, (html, cleaned)


def test_mastodon_mention_markup_survives() -> None:
    html = ('<p><span class="h-card" translate="no"><a href="https://s.example/@alice" '
            'class="u-url mention">@<span>alice</span></a></span> hi '
            '<a href="https://s.example/tags/t" class="mention hashtag" rel="tag">'
            "#<span>t</span></a></p>")
    cleaned = sanitize_html(html)
    assert '<span class="h-card" translate="no">' in cleaned
    assert 'class="u-url mention"' in cleaned
    assert 'class="mention hashtag"' in cleaned
    assert cleaned.count('rel="nofollow noopener noreferrer"') == 2
    assert cleaned.count('target="_blank"') == 2


def test_unknown_classes_and_translate_values_go() -> None:
    cleaned = sanitize_html('<span class="h-card evil big" translate="yes">x</span>')
    assert cleaned == '<span class="h-card">x</span>'


def test_headings_become_bold_paragraphs() -> None:
    assert sanitize_html("<h1>Title</h1><h3 id=x>Sub</h3>") == (
        "<p><strong>Title</strong></p><p><strong>Sub</strong></p>"
    )


def test_escaped_text_stays_escaped_and_lists_survive() -> None:
    cleaned = sanitize_html('<p>&lt;script&gt;</p><ol start="3"><li value="3">x</li></ol>')
    assert cleaned == '<p>&lt;script&gt;</p><ol start="3"><li value="3">x</li></ol>'


def test_deep_nesting_does_not_blow_up() -> None:
    cleaned = sanitize_html("<b>" * 20_000 + "x" + "</b>" * 20_000)
    assert "x" in cleaned


def test_text_extraction_for_keyword_matching() -> None:
    assert html_to_text("<p>one<br>two</p><p>three &amp; four</p>") == "one\ntwo\nthree & four"

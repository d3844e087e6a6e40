"""Mastodon's domain block CSV: its export round-trips; bad lines are reported, not fatal."""

from __future__ import annotations

import pytest

from moderation import domain_csv
from moderation.domain_csv import (
    CsvBlock,
    LineError,
    UnreadableList,
    export_blocklist,
    parse_blocklist,
)

MASTODON_EXPORT = (
    "#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate\n"
    "bad.example,suspend,false,false,Harassment of members,false\n"
    'meh.example,silence,true,true,"Spam, mostly",true\n'
    "pics.example,noop,true,false,,false\n"
    'quoted.example,suspend,false,false,"They said ""no""\nand kept going",false\n'
)


def test_mastodons_export_round_trips_exactly() -> None:
    parsed = parse_blocklist(MASTODON_EXPORT.encode())
    assert parsed.errors == ()
    assert parsed.blocks[:3] == (
        CsvBlock("bad.example", "suspend", public_comment="Harassment of members"),
        CsvBlock("meh.example", "limit", True, True, "Spam, mostly", True),
        CsvBlock("pics.example", "noop", reject_media=True),
    )
    assert parsed.blocks[3].public_comment == 'They said "no"\nand kept going'
    assert export_blocklist(parsed.blocks) == MASTODON_EXPORT


def test_older_forms_mastodon_accepts() -> None:
    one_per_line = parse_blocklist(b"bad.example\n*.worse.example\n\n# shared list\nugly.example\n")
    assert [(b.domain, b.severity) for b in one_per_line.blocks] == [
        ("bad.example", "suspend"), ("worse.example", "suspend"), ("ugly.example", "suspend")]
    pairs = parse_blocklist(b"\xef\xbb\xbfbad.example,suspend\r\nmeh.example,silence\r\n")
    assert [(b.domain, b.severity) for b in pairs.blocks] == [
        ("bad.example", "suspend"), ("meh.example", "limit")]
    assert pairs.errors == ()
    reordered = parse_blocklist(b"#severity,#domain,#extra\nnoop,pics.example,x\n")
    assert reordered.blocks == (CsvBlock("pics.example", "noop"),)


def test_bad_lines_are_reported_with_their_numbers_and_skipped() -> None:
    text = (
        "#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate\n"  # 1
        "good.example,suspend,false,false,,false\n"                                  # 2
        "https://evil.example/path,suspend\n"                                        # 3
        "=cmd|' /C calc'!A0,suspend\n"                                               # 4
        "bad\x1b[2J.example,suspend\n"                                               # 5
        "fine.example,obliterate\n"                                                  # 6
        "fine.example,suspend,perhaps\n"                                             # 7
        "good.example,noop\n"                                                        # 8
        f"long.example,suspend,false,false,{'x' * 2000},false\n"                     # 9
        f"huge.example,suspend,false,false,{'y' * 200_000},false\n"                  # 10
        "last.example,noop,,,\x00ok\x07,\n"                                          # 11
    )
    parsed = parse_blocklist(text.encode())
    assert [b.domain for b in parsed.blocks] == ["good.example", "last.example"]
    assert parsed.blocks[1].public_comment == "ok"
    lines = [error.line for error in parsed.errors]
    assert lines == [3, 4, 5, 6, 7, 8, 9, 10]
    reasons = {error.line: error.reason for error in parsed.errors}
    assert "not a domain" in reasons[3] and "obliterate" in reasons[6]
    assert "\x1b" not in reasons[5], "control characters never reach the terminal raw"
    assert "already on line 2" in reasons[8]
    assert all(len(error.reason) < 300 for error in parsed.errors)


def test_oversize_and_non_text_files_are_refused_whole() -> None:
    with pytest.raises(UnreadableList, match="larger"):
        parse_blocklist(b"a.example\n" * (domain_csv.MAX_BYTES // 10 + 1))
    with pytest.raises(UnreadableList, match="UTF-8"):
        parse_blocklist(b"bad.example\n\xff\xfe\n")
    with pytest.raises(UnreadableList, match="header without a #domain column"):
        parse_blocklist(b"#host,#level\nbad.example,noop\n")
    assert parse_blocklist(b"# a shared list\nbad.example\n").blocks == (
        CsvBlock("bad.example"),), "a comment first is still a comment"


def test_rows_beyond_the_limit_are_reported_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(domain_csv, "MAX_ROWS", 2)
    parsed = parse_blocklist(b"a.example\nb.example\nc.example\nd.example\n")
    assert [b.domain for b in parsed.blocks] == ["a.example", "b.example"]
    assert parsed.errors == (LineError(3, "more than 2 rows: the rest was not read"),)

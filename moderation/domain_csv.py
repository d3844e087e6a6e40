"""Mastodon's domain block list as CSV, read and written.

Mastodon exports `#domain,#severity,#reject_media,#reject_reports,#public_comment,
#obfuscate` with booleans as `true`/`false` and calls `limit` `silence`. On import it
also takes files without that header, reading the columns in that order, so a plain
list of one domain per line means "suspend each". We read all three forms; a bad line
is reported with its number and skipped, never fatal. Lines whose first field starts
with `#` after the first are comments, as shared block lists use them. A first line
that is a header (every field starting with `#`) but has no `#domain` column refuses
the whole file: its columns cannot be known, and guessing could suspend what a list
meant only to limit.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass

from moderation.domains import LIMIT, NOOP, SUSPEND, InvalidDomain, normalize_domain

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 20_000
"""Mastodon processes at most this many rows of an import; so do we."""
MAX_COMMENT = 1000
HEADER = ("#domain", "#severity", "#reject_media", "#reject_reports", "#public_comment",
          "#obfuscate")
_SEVERITIES = {"suspend": SUSPEND, "silence": LIMIT, "limit": LIMIT, "noop": NOOP, "": SUSPEND}
_TO_MASTODON = {SUSPEND: "suspend", LIMIT: "silence", NOOP: "noop"}
_TRUE = ("true", "1", "yes", "t")
_FALSE = ("false", "0", "no", "f", "")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


class UnreadableList(ValueError):
    """The whole file is refused: too large, not text, or a header without `#domain`."""


@dataclass(frozen=True)
class CsvBlock:
    domain: str
    severity: str = SUSPEND
    reject_media: bool = False
    reject_reports: bool = False
    public_comment: str = ""
    obfuscate: bool = False


@dataclass(frozen=True)
class LineError:
    line: int
    reason: str


@dataclass(frozen=True)
class ParsedList:
    blocks: tuple[CsvBlock, ...]
    errors: tuple[LineError, ...]


class _BadLine(Exception):
    pass


def _flag(value: str, column: str) -> bool:
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise _BadLine(f"{column} must be true or false, not {value[:40]!r}")


def _block(fields: dict[str, str]) -> CsvBlock:
    try:
        domain = normalize_domain(fields.get("#domain", ""))
    except InvalidDomain as error:
        raise _BadLine(str(error)) from error
    severity = fields.get("#severity", "").strip().lower()
    if severity not in _SEVERITIES:
        raise _BadLine(f"the severity is suspend, silence or noop, not {severity[:40]!r}")
    comment = _CONTROL.sub("", fields.get("#public_comment", "")).strip()
    if len(comment) > MAX_COMMENT:
        raise _BadLine(f"the public comment is longer than {MAX_COMMENT} characters")
    return CsvBlock(domain, _SEVERITIES[severity],
                    _flag(fields.get("#reject_media", ""), "#reject_media"),
                    _flag(fields.get("#reject_reports", ""), "#reject_reports"),
                    comment, _flag(fields.get("#obfuscate", ""), "#obfuscate"))


def _text(data: bytes) -> str:
    if len(data) > MAX_BYTES:
        raise UnreadableList(f"the file is larger than {MAX_BYTES // (1024 * 1024)} MiB")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise UnreadableList(f"the file is not UTF-8 text (byte {error.start})") from error


def parse_blocklist(data: bytes) -> ParsedList:
    """Blocks in file order; errors carry the (physical) line number of the bad record."""
    reader = csv.reader(io.StringIO(_text(data).replace("\x00", "")))
    columns: tuple[str, ...] | None = None
    blocks: list[CsvBlock] = []
    errors: list[LineError] = []
    seen: dict[str, int] = {}
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            errors.append(LineError(reader.line_num, f"not CSV: {error}"))
            continue
        line = reader.line_num
        if not any(field.strip() for field in row):
            continue
        first = row[0].strip().lower()
        if columns is None:
            columns = HEADER
            names = tuple(field.strip().lower() for field in row)
            if HEADER[0] in names:
                columns = names
                continue
            if len(names) > 1 and all(name.startswith("#") for name in names if name):
                raise UnreadableList(f"line {line} is a header without a {HEADER[0]} column")
        if first.startswith("#"):
            continue
        if len(blocks) >= MAX_ROWS:
            errors.append(LineError(line, f"more than {MAX_ROWS} rows: the rest was not read"))
            break
        try:
            block = _block(dict(zip(columns, row, strict=False)))
        except _BadLine as error:
            errors.append(LineError(line, str(error)))
            continue
        if block.domain in seen:
            errors.append(LineError(line, f"{block.domain} is already on line "
                                          f"{seen[block.domain]}"))
            continue
        seen[block.domain] = line
        blocks.append(block)
    return ParsedList(tuple(blocks), tuple(errors))


def export_blocklist(blocks: Iterable[CsvBlock]) -> str:
    """The CSV exactly as Mastodon's admin export writes it."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    for block in blocks:
        writer.writerow([block.domain, _TO_MASTODON[block.severity],
                         str(block.reject_media).lower(), str(block.reject_reports).lower(),
                         block.public_comment, str(block.obfuscate).lower()])
    return out.getvalue()

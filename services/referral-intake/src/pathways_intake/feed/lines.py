"""The physical lines of an export, bounded: no line or row, however broken, can take the memory;
and the bytes in them that are not UTF-8."""
from __future__ import annotations

import re
from typing import TextIO

MAX_RECORD_CHARS = 256 * 1024   # far above any real row (seven people's longest fields)
MAX_RECORD_LINES = 50           # a quoted field left open would otherwise swallow the rows after it
RAW_KEPT_CHARS = 64 * 1024      # of a rejected row's text, kept for whoever corrects it

# An export is read with errors="surrogateescape": each byte that is not UTF-8 becomes a lone
# surrogate, which no valid UTF-8 decodes to (so a U+FFFD written in the export is text like any other).
_NOT_UTF8 = re.compile("[\udc80-\udcff]")
UTF16_MARKS = ("\udcff\udcfe", "\udcfe\udcff")   # a UTF-16 byte-order mark, FF FE or FE FF, as read


def not_utf8(text: str) -> bool:
    return not text.isascii() and _NOT_UTF8.search(text) is not None


def as_read(text: str) -> str:
    """The text with each byte that was not UTF-8 shown as U+FFFD, as it can be stored and shown."""
    return text if text.isascii() else _NOT_UTF8.sub("\ufffd", text)


class RecordTooLong(Exception):
    """More characters than MAX_RECORD_CHARS."""


class RecordRunsOn(Exception):
    """More lines than MAX_RECORD_LINES: a quoted field left open, which is malformed CSV."""


class RecordLines:
    """The file's lines for the csv module, remembering where each record starts, its text, and
    how many quote characters it holds (for a record too long to keep whole, whether a quoted cell
    is still open)."""

    def __init__(self, handle: TextIO):
        self.handle, self.number, self.first, self.parts, self.size, self.quotes = handle, 0, 1, [], 0, 0

    def start_record(self) -> None:
        self.first, self.parts, self.size, self.quotes = self.number + 1, [], 0, 0

    def text(self) -> str:
        return "".join(self.parts)[:RAW_KEPT_CHARS]

    def __iter__(self):
        return self

    def __next__(self) -> str:
        if self.number - self.first + 1 >= MAX_RECORD_LINES:
            raise RecordRunsOn(f"a row runs over more than {MAX_RECORD_LINES} lines (a quote left open?)")
        line = self._take()
        if not line:
            raise StopIteration
        if self.size > MAX_RECORD_CHARS:
            raise RecordTooLong(f"a row is longer than {MAX_RECORD_CHARS} characters")
        return line

    def finish_broken_record(self) -> None:
        """After a row that could not be read partway through: read on to its end, where its quoted
        cell closes, so that the rest of it is not taken for rows of its own. Within
        MAX_RECORD_LINES, as any row.

        Whether a cell is still open is read as the csv module reads it while the row's text is all
        kept; past RAW_KEPT_CHARS (a row too long, say), by the parity of its quote characters,
        which a quote written inside an unquoted cell can mislead (the 50-line bound still holds)."""
        whole = self.size <= RAW_KEPT_CHARS   # every line kept, none cut short
        open_cell = ends_in_quoted_cell("".join(self.parts)) if whole else self.quotes % 2 == 1
        while open_cell and self.number - self.first + 1 < MAX_RECORD_LINES and (line := self._take()):
            whole = whole and len(line) <= MAX_RECORD_CHARS
            open_cell = ends_in_quoted_cell(line, quoted=True) if whole else self.quotes % 2 == 1

    def _take(self) -> str:
        line, quotes_cut = _read_line(self.handle)
        if line:
            self.number += 1
            if self.size < RAW_KEPT_CHARS:
                self.parts.append(line)
            self.size += len(line)
            self.quotes += line.count('"') + quotes_cut
        return line


_CSV_MARKS = re.compile('["\n\r,]')


def ends_in_quoted_cell(text: str, quoted: bool = False) -> bool:
    """Whether CSV text leaves a quoted cell open (`quoted`: it starts inside one). A quote opens a
    cell only at the cell's start; inside one, "" is a quote and a lone " closes it."""
    cell_start, escaped = 0, -1
    for mark in _CSV_MARKS.finditer(text):
        at, char = mark.start(), mark.group()
        if at == escaped:
            continue
        if quoted:
            if char == '"':
                if text.startswith('"', at + 1):
                    escaped = at + 1
                else:
                    quoted = False
        elif char == '"':
            quoted = at == cell_start
        else:
            cell_start = at + 1
    return quoted


def read_line(handle: TextIO) -> str:
    """One line, or its first MAX_RECORD_CHARS characters (the rest is read and thrown away)."""
    return _read_line(handle)[0]


def _read_line(handle: TextIO) -> tuple[str, int]:
    """read_line, and how many quote characters were in what it threw away."""
    line, quotes_cut = handle.readline(MAX_RECORD_CHARS + 1), 0
    if len(line) > MAX_RECORD_CHARS and not line.endswith(("\n", "\r")):
        while (rest := handle.readline(MAX_RECORD_CHARS)):
            quotes_cut += rest.count('"')
            if rest.endswith(("\n", "\r")):
                break
    return line, quotes_cut

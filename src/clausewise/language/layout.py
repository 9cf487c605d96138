"""Line wrapping for ``clausewise fmt``: long lines break at token boundaries.

Newlines carry no meaning in the language, so a line may break at any space outside a string
or comment. Breaks go where a reader expects them: before ``and``/``or`` first, then before
``where``/``then``, ``during``/``over``, a comparison, or the ``/`` between the Chinese and the
English label; the shallowest nesting wins, then the latest break that keeps the line within
the width. Continuation lines are indented two levels deeper than the line they continue.
Wide (CJK) characters count as two columns.
"""

from __future__ import annotations

import unicodedata

WIDTH = 100
CONTINUATION = "    "
MIN_REST = 12
#: the word after a break, and how much a break there is preferred (lower is better)
BREAK_BEFORE = {"and": 1, "or": 1, "where": 2, "then": 2, "during": 3, "over": 3, ">=": 4, "<=": 4, ">": 4, "<": 4,
                "=": 4, "!=": 4, "in": 4, "/": 5}
OPEN, CLOSE = "([{", ")]}"


def columns(text: str) -> int:
    """Display width: East Asian wide and full-width characters take two columns."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _code_chars(line: str):
    """(index, character) of every character outside string literals."""
    in_string = escaped = False
    for i, ch in enumerate(line):
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        else:
            yield i, ch


def _split_comment(line: str) -> tuple[str, str]:
    """The code of a line and its trailing comment (``#`` outside strings)."""
    for i, ch in _code_chars(line):
        if ch == "#":
            return line[:i].rstrip(), line[i:]
    return line, ""


def _breaks(code: str) -> list[tuple[int, int, int]]:
    """Candidate breaks as (index of the space, nesting depth, preference class)."""
    found = []
    depth = 0
    for i, ch in _code_chars(code):
        if ch in OPEN:
            depth += 1
        elif ch in CLOSE:
            depth -= 1
        elif ch == " " and i > 0 and code[i - 1] != " ":
            word = code[i + 1:].split(" ", 1)[0]
            if word in BREAK_BEFORE:
                found.append((i, depth, BREAK_BEFORE[word]))
    return found


def wrap_line(line: str, width: int = WIDTH) -> list[str]:
    """``line`` as one or more lines of at most ``width`` columns where a break allows it."""
    code, comment = _split_comment(line)
    if columns(line) <= width or not code.strip():
        return [line]
    indent = code[: len(code) - len(code.lstrip(" "))]
    lines: list[str] = []
    rest, prefix = code.lstrip(" "), indent
    while columns(prefix + rest) > width:
        # a break must leave more than a stub ("=", "> 0") for the next line
        candidates = [(i, d, c) for i, d, c in _breaks(rest) if i > 0 and columns(rest[i + 1:]) >= MIN_REST]
        if not candidates:
            break
        fitting = [b for b in candidates if columns(prefix + rest[: b[0]]) <= width]
        if fitting:
            at = min(fitting, key=lambda b: (b[1], b[2], -b[0]))[0]
        else:
            at = min(candidates, key=lambda b: b[0])[0]
        lines.append(prefix + rest[:at])
        rest, prefix = rest[at + 1:], indent + CONTINUATION
    lines.append(prefix + rest)
    if comment:
        lines[-1] += "  " + comment
    return lines


def wrap_lines(lines: list[str], width: int = WIDTH) -> list[str]:
    return [piece for line in lines for piece in wrap_line(line, width)]

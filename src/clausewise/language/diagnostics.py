"""One diagnostic type and one renderer for every mistake a user can make.

A diagnostic renders as::

    policies/x.policy:12:5: error: unknown name 'paid_order'
       12 |     sum(shop_daily.paid_order during period) >= 900万
          |                    ^~~~~~~~~~
    hint: did you mean 'paid_orders'?
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from typing import Iterable


@dataclass(frozen=True, order=True)
class Span:
    """A region of a source file; lines and columns count from 1."""

    line: int
    column: int
    end_line: int
    end_column: int

    @classmethod
    def point(cls, line: int, column: int) -> "Span":
        return cls(line, column, line, column + 1)


NO_SPAN = Span(0, 0, 0, 0)


@dataclass(frozen=True)
class Diagnostic:
    """An error or warning about a user's file (policy, data, parameters, options)."""

    file: str
    span: Span
    message: str
    hint: str | None = None
    severity: str = "error"
    source_line: str | None = None

    def sort_key(self) -> tuple:
        return (self.file, self.span, self.message)

    def render(self) -> str:
        file, message = printable(self.file), printable(self.message)
        if self.span.line and self.span.column:
            head = f"{file}:{self.span.line}:{self.span.column}: {self.severity}: {message}"
        elif self.span.line:
            head = f"{file}:{self.span.line}: {self.severity}: {message}"
        else:
            head = f"{file}: {self.severity}: {message}"
        lines = [head]
        if self.source_line is not None and self.span.line and self.span.column:
            text = self.source_line.rstrip("\n").expandtabs(1)
            number = str(self.span.line)
            lines.append(f" {number} | {text}")
            width = 1
            if self.span.end_line == self.span.line:
                width = max(1, self.span.end_column - self.span.column)
            width = min(width, max(1, len(text) - self.span.column + 2))
            lines.append(f" {' ' * len(number)} | {' ' * (self.span.column - 1)}^{'~' * (width - 1)}")
        if self.hint:
            lines.append(f"hint: {printable(self.hint)}")
        return "\n".join(lines)


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def printable(text: str) -> str:
    """``text`` with line breaks and other control characters escaped (``\\n``, ``\\x1b``): a
    file name or a value in a diagnostic can neither print a line of its own nor drive the terminal."""
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], text)


@dataclass
class SourceFile:
    """The text of a user's file, kept to quote lines in diagnostics."""

    name: str
    text: str
    _lines: list[str] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        self._lines = self.text.split("\n")

    def line(self, number: int) -> str | None:
        if 1 <= number <= len(self._lines):
            return self._lines[number - 1]
        return None

    def snippet(self, span: Span) -> str:
        """The text a span covers, on one line (the lines of a multi-line span joined by a space)."""
        lines = self._lines[span.line - 1: span.end_line]
        if not lines:
            return ""
        if len(lines) == 1:
            return lines[0][span.column - 1: span.end_column - 1]
        lines = list(lines)
        lines[0] = lines[0][span.column - 1:]
        lines[-1] = lines[-1][: span.end_column - 1]
        return " ".join(part.strip() for part in lines)

    def diagnostic(self, span: Span, message: str, hint: str | None = None, severity: str = "error") -> Diagnostic:
        return Diagnostic(self.name, span, message, hint, severity, self.line(span.line))


class ClausewiseError(Exception):
    """A user-caused failure carrying one or more diagnostics; never an internal bug."""

    def __init__(self, diagnostics: Iterable[Diagnostic]):
        self.diagnostics = sorted(diagnostics, key=Diagnostic.sort_key)
        super().__init__("\n".join(d.render() for d in self.diagnostics))

    @classmethod
    def simple(cls, where: str, message: str, hint: str | None = None) -> "ClausewiseError":
        return cls([Diagnostic(where, NO_SPAN, message, hint)])


def did_you_mean(name: str, candidates: Iterable[str]) -> str | None:
    """A 'did you mean' hint for a misspelt name, or None (only the closest few matches)."""
    scored = []
    for candidate in sorted(set(candidates)):
        ratio = difflib.SequenceMatcher(None, name, candidate).ratio()
        if ratio >= 0.6:
            scored.append((-ratio, candidate))
    if not scored:
        return None
    scored.sort()
    best = -scored[0][0]
    matches = [c for r, c in scored[:3] if -r >= best - 0.05]
    return "did you mean " + " or ".join(f"'{m}'" for m in matches) + "?"

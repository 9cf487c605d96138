"""Each table entity's explanation in the HTML report: ``explain``'s own tree
(:func:`clausewise.report.explain.render_text`), line by line, every distinct line kept once.

Rendering is most of the time a report takes (about 12 µs of its 19 µs per entity). Rendering
batches in worker processes was tried: on the shared 2-core machine it was slower (the parent's
reading and counting is the other 40%, and the workers read each verdict again).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from clausewise.report.explain import render_text
from clausewise.report.models import Verdict

Line = tuple[str, str]  # (status of the node the line heads, or ""; the text, the entity written as \x01)


def explanation(verdict: dict[str, Any], lang: str) -> list[Line]:
    """render_text's lines of one verdict, each with the status its node has (for colour)."""
    marked = render_text(Verdict.model_validate(verdict), lang, lambda text, status: f"\x00{status}\x00{text}")
    entity, quoted = verdict["entity"], f"'{verdict['entity']}'"
    out = []
    for number, line in enumerate(marked.split("\n")):
        status, text = "", line
        if line.startswith("\x00"):
            _, status, text = line.split("\x00", 2)
        if number == 0:  # the heading names the entity: one line for all ("\x01" is the entity)
            text = text.replace(f" {entity} · ", " \x01 · ", 1)
        if quoted in text:  # missing data name the entity: "... is empty for 'S07'"
            text = text.replace(quoted, "'\x01'")
        out.append((status, text))
    return out


class Explanations:
    """Explanations of the table's entities, as indexes into one dictionary of lines."""

    def __init__(self, lang: str, fail: Callable[[int, str], Exception]):
        """``fail(line number, why)`` makes the error to raise for a verdict that cannot be explained."""
        self.lang, self.fail = lang, fail
        self.lines: dict[Line, int] = {}

    def add(self, row: dict[str, Any], verdict: dict[str, Any], line_number: int) -> None:
        """Explain ``verdict`` into ``row["lines"]``."""
        try:
            lines = explanation(verdict, self.lang)
        except (KeyError, TypeError, ValueError, AttributeError, ArithmeticError) as exc:  # pydantic's: ValueError
            raise self.fail(line_number, f"{type(exc).__name__}: {exc}") from None
        row["lines"] = [self.lines.setdefault(line, len(self.lines)) for line in lines]

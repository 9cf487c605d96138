"""What the parser's errors say: a syntax error as a diagnostic with a position, what was
expected in the rule text's words, the label trap (a string right after a bare rule name), and
the nesting limit checked before parsing."""

from __future__ import annotations

import re
from typing import Mapping

from lark import Token
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from clausewise.language.diagnostics import Diagnostic, SourceFile, Span

#: Friendly names for grammar terminals in syntax errors.
TOKEN_NAMES = {
    "NAME": "a name", "STRING": "a string", "NUMBER": "a number", "DATE_LIT": "a date",
    "MONTH_LIT": "a month", "CITE": "a clause citation like TIER-3.1", "UNIT": "a unit",
    "LBRACE": "'{'", "RBRACE": "'}'", "LPAR": "'('", "RPAR": "')'", "LSQB": "'['", "RSQB": "']'",
    "COLON": "':'", "COMMA": "','", "EQUAL": "'='", "SLASH": "'/'", "DOT": "'.'", "$END": "end of file",
}


def token_span(tok: Token) -> Span:
    """Where a token stands in the text."""
    line, column = tok.line or 1, tok.column or 1  # a lexed token always has both
    return Span(line, column, tok.end_line or line, tok.end_column or column + len(tok))


_DECLARATION_WORDS = {"policy", "table", "relation", "param", "let", "rule", "decide"}


def _token_name(terminal: str, keywords: Mapping[str, str]) -> str:
    if terminal in TOKEN_NAMES:
        return TOKEN_NAMES[terminal]
    word = keywords.get(terminal)
    if word is not None:
        return f"'{word}'"
    return terminal.lower().strip("_")


def _describe_expected(expected: set[str], keywords: Mapping[str, str]) -> str:
    names = sorted({_token_name(e, keywords) for e in expected})
    shown = [n if n.startswith(("a ", "'", "end")) else f"'{n}'" for n in names]
    if len(shown) > 8:
        shown = shown[:8] + ["..."]
    return ", ".join(shown)


def syntax_diagnostic(source: SourceFile, err: UnexpectedInput, keywords: Mapping[str, str]) -> Diagnostic:
    """A lark error as a diagnostic; ``keywords``: the grammar's terminal names -> the words they stand for."""
    line, column = max(err.line, 1) if err.line != -1 else 1, max(err.column, 1) if err.column != -1 else 1
    if isinstance(err, UnexpectedCharacters):
        text = source.line(line) or ""
        char = text[column - 1] if len(text) >= column else "?"
        return source.diagnostic(Span.point(line, column), f"unexpected character {char!r}",
                                 "names are lower-case letters, digits and '_'; strings use double quotes")
    if isinstance(err, UnexpectedEOF):
        last = len(source.text.rstrip().split("\n"))
        return source.diagnostic(Span.point(last, len(source.line(last) or "") + 1),
                                 "unexpected end of file", f"expected {_describe_expected(set(err.expected), keywords)}")
    assert isinstance(err, UnexpectedToken)
    tok = err.token
    if tok.type == "$END":
        last = len(source.text.rstrip().split("\n"))
        return source.diagnostic(Span.point(last, len(source.line(last) or "") + 1),
                                 "unexpected end of file", f"expected {_describe_expected(set(err.expected), keywords)}")
    expected = _describe_expected(set(err.accepts or err.expected), keywords)
    before = source.text[: tok.start_pos].rstrip() if tok.start_pos is not None else ""
    if before and before.count("\n") + 1 < tok.line and str(tok) in _DECLARATION_WORDS:
        # the next declaration starts while the previous one is incomplete: point at where it ends
        line = before.count("\n") + 1
        column = len(before) - (before.rfind("\n") + 1) + 1
        return source.diagnostic(Span.point(line, column), f"expected {expected} here, before {str(tok)!r} on line {tok.line}",
                                 "the declaration ends before it is complete")
    label = _LABEL_TRAP.search(before)
    if label and label.group(1) not in _DECLARATION_WORDS and ":" in {keywords.get(e) for e in err.accepts or err.expected}:
        # `none of { r0 "x" in tags }`: a string right after a bare name is that member's label
        rest = source.text[label.start(3):].split("\n", 1)[0].split("}", 1)[0].rstrip()
        name, string = label.group(2), label.group(3)
        member = rest if len(rest) <= 60 else f"{string} {tok} …"
        return source.diagnostic(token_span(tok), f"unexpected {str(tok)!r}: {string} right after {name} "
                                 f"reads as the label of a group member named {name}",
                                 f"to start a member with the string, write ({member}); to name a member, "
                                 f"write {name} {string}: condition")
    return source.diagnostic(token_span(tok), f"unexpected {str(tok)!r}", f"expected {expected}")


#: a bare name followed by a string at the end of the text before an unexpected token (and the word before
#: the name: after 'param', 'relation' or 'decide' the name is the declaration's, not a group member's)
_LABEL_TRAP = re.compile(r'(?:(\w+)\s+)?(?<![\w"])([A-Za-z_]\w*)\s+("(?:[^"\\\n]|\\.)*")\s*$')


#: how deeply groups and brackets may nest: deeper policies would exhaust Python's stack in the
#: parser, the checker or the compiler (200 levels did), and no rule text needs more
MAX_NESTING = 64


def too_deep(text: str) -> Span | None:
    """Where brackets and braces first nest deeper than :data:`MAX_NESTING` (strings and
    comments skipped), or None."""
    depth, line, column, i, n = 0, 1, 0, 0, len(text)
    while i < n:
        ch = text[i]
        column += 1
        if ch == "\n":
            line, column = line + 1, 0
        elif ch == '"':  # a string: to its closing quote (or the line's end), escapes skipped
            i += 1
            while i < n and text[i] not in '"\n':
                i += 2 if text[i] == "\\" else 1
                column += 1
            if i < n and text[i] == '"':
                i, column = i + 1, column + 1
            continue
        elif ch == "#":
            end = text.find("\n", i)
            i = n if end < 0 else end
            continue
        elif ch in "({[":
            depth += 1
            if depth > MAX_NESTING:
                return Span.point(line, column)
        elif ch in ")}]":
            depth -= 1
        i += 1
    return None

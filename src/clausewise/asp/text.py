"""Program text the compiler writes: predicate names, string terms and comments.

Nothing from a policy's text or a path becomes program text except through these: names are
built from node ids, strings are escaped terms, and free text goes into one-line comments.
"""

from __future__ import annotations

import re


def pred(node_id: str) -> str:
    """A predicate name for a node id; ids are built from policy names only."""
    return "s_" + re.sub(r"[^a-z0-9_]", lambda m: {".": "__", "#": "_c"}.get(m.group(), "_"), node_id)


def q(text: str) -> str:
    """An ASP string term for a compiler-made name (node ids, field names); every character
    that could end the term or the line is escaped."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


#: control characters (line breaks among them), line and paragraph separators
_UNSAFE_IN_COMMENT = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def comment(text: str) -> str:
    """A one-line ASP comment holding ``text`` (policy strings, a file name): nothing in it can
    end the line, so nothing from a policy or a path becomes program text."""
    return "% " + _UNSAFE_IN_COMMENT.sub(" ", text)

"""The clingo adapter: every call into clingo lives here.

Facts made from data enter through clingo's backend API as symbols, never as program text,
so no string in the data can change the program. Integers handed to clingo are small
(ranks and clause numbers); figures stay in Python (see :mod:`clausewise.evaluate.measure`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

import clingo

#: clingo integers are signed 32-bit; larger ones would wrap silently.
INT_MIN, INT_MAX = -(2**31), 2**31 - 1

STATUSES = ("pass", "fail", "unknown", "na")


@dataclass(slots=True)
class EntityAnswer:
    status: dict[str, str] = field(default_factory=dict)
    chosen: dict[str, int] = field(default_factory=dict)
    undecided: set[str] = field(default_factory=set)
    missing_decided: set[str] = field(default_factory=set)

    def copy(self) -> "EntityAnswer":
        return EntityAnswer(dict(self.status), dict(self.chosen), set(self.undecided), set(self.missing_decided))


class SolverError(Exception):
    pass


def engine_version() -> str:
    return clingo.__version__


def solve(program: str, entities: Iterable[str], leaves: Iterable[tuple[str, str, str]],
          ranks: Iterable[tuple[str, str, int, int]] = (),
          missing_values: Iterable[tuple[str, str, int]] = ()) -> dict[str, EntityAnswer]:
    """Ground and solve the program over the given facts; one answer per entity.

    The compiled program never relates two entities (every rule is keyed on ``E``), so an
    entity's answer depends only on its own ``leaf`` and ``rank`` facts. Entities with the
    same facts therefore share one solved answer: clingo grounds each distinct set of facts
    once, and every entity gets its own copy of that answer.

    ``leaves``: (entity, node, status); ``ranks``: (entity, field, clause, rank) for
    ``decide ... by min|max``; ``missing_values``: (entity, field, clause) for outcome clauses
    whose value is missing.
    """
    entities = list(entities)
    facts: dict[str, list[tuple]] = {entity: [] for entity in entities}
    for entity, node, status in leaves:
        facts[entity].append((node, status))
    for entity, field_name, clause, rank in ranks:
        if not (INT_MIN <= rank <= INT_MAX and INT_MIN <= clause <= INT_MAX):
            raise SolverError("rank outside the solver's 32-bit range")
        facts[entity].append((field_name, clause, rank))
    for entity, field_name, clause in missing_values:
        facts[entity].append((field_name, clause))
    signature_of = {entity: tuple(entity_facts) for entity, entity_facts in facts.items()}
    distinct = list(dict.fromkeys(signature_of.values()))
    solved = _solve_distinct(program, distinct)
    by_signature = dict(zip(distinct, solved))
    return {entity: by_signature[signature_of[entity]].copy() for entity in entities}


def _solve_distinct(program: str, signatures: list[tuple]) -> list[EntityAnswer]:
    """Solve once for each fact set; the k-th set is entity ``k`` (a small integer) in the program."""
    ctl = clingo.Control(["--warn=none", "--models=1"])
    ctl.add("base", [], program)
    status_sym = {s: clingo.Function(s) for s in STATUSES}
    names: dict[str, clingo.Symbol] = {}

    def name(text: str) -> clingo.Symbol:
        return names.get(text) or names.setdefault(text, clingo.String(text))

    answers = [EntityAnswer() for _ in signatures]
    with ctl.backend() as backend:
        def fact(sym: clingo.Symbol) -> None:
            backend.add_rule([backend.add_atom(sym)])

        for k, signature in enumerate(signatures):
            entity = clingo.Number(k)
            fact(clingo.Function("entity", [entity]))
            for item in signature:
                if len(item) == 2 and type(item[1]) is str:
                    fact(clingo.Function("leaf", [entity, name(item[0]), status_sym[item[1]]]))
                elif len(item) == 2:
                    fact(clingo.Function("missing_value", [entity, name(item[0]), clingo.Number(item[1])]))
                else:
                    fact(clingo.Function("rank", [entity, name(item[0]), clingo.Number(item[1]), clingo.Number(item[2])]))
    ctl.ground([("base", [])])

    def on_model(model: clingo.Model) -> None:
        # Reading a symbol's text is one call into clingo; reading its parts is six.
        for sym in model.symbols(shown=True):
            name, _, rest = str(sym).partition("(")
            index, _, rest = rest[:-1].partition(",")
            answer = answers[int(index)]
            if name == "status":
                node, _, status = rest.rpartition(",")
                answer.status[_unquote(node)] = status
            elif name == "chosen":
                field_name, _, clause = rest.rpartition(",")
                answer.chosen[_unquote(field_name)] = int(clause)
            elif name == "undecided":
                answer.undecided.add(_unquote(rest))
            elif name == "missing_decided":
                answer.missing_decided.add(_unquote(rest))

    result = ctl.solve(on_model=on_model)
    if not result.satisfiable:
        raise SolverError("the compiled program has no answer set (a compiler bug)")
    return answers


def _unquote(term: str) -> str:
    """The text of a clingo string term as clingo prints it (``"a.b"``; escapes ``\\\\``, ``\\"``, ``\\n``)."""
    text = term[1:-1]
    if "\\" not in text:
        return text
    out, chars = [], iter(text)
    for char in chars:
        if char == "\\":
            nxt = next(chars, "")
            out.append("\n" if nxt == "n" else nxt)
        else:
            out.append(char)
    return "".join(out)

"""The clingo adapter: every call into clingo lives here.

Facts made from data enter through clingo's backend API as symbols, never as program text,
so no string in the data can change the program. Integers handed to clingo are small
(ranks and clause numbers); figures stay in Python (see :mod:`clausewise.measure`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

import clingo

#: clingo integers are signed 32-bit; larger ones would wrap silently.
INT_MIN, INT_MAX = -(2**31), 2**31 - 1

STATUSES = ("pass", "fail", "unknown", "na")


@dataclass
class EntityAnswer:
    status: dict[str, str] = field(default_factory=dict)
    chosen: dict[str, int] = field(default_factory=dict)
    undecided: set[str] = field(default_factory=set)
    missing_decided: set[str] = field(default_factory=set)


class SolverError(Exception):
    pass


def engine_version() -> str:
    return clingo.__version__


def check_program(text: str) -> None:
    """Parse a program once to surface compiler bugs early (raises SolverError)."""
    ctl = clingo.Control(["--warn=none"])
    try:
        ctl.add("base", [], text)
    except RuntimeError as exc:  # clingo reports parse errors this way
        raise SolverError(str(exc)) from exc


def solve(program: str, entities: Iterable[str], leaves: Iterable[tuple[str, str, str]],
          ranks: Iterable[tuple[str, str, int, int]] = ()) -> dict[str, EntityAnswer]:
    """Ground and solve the program over the given facts; one answer per entity."""
    ctl = clingo.Control(["--warn=none", "--models=1"])
    ctl.add("base", [], program)
    status_sym = {s: clingo.Function(s) for s in STATUSES}
    node_syms: dict[str, clingo.Symbol] = {}
    answers: dict[str, EntityAnswer] = {}
    with ctl.backend() as backend:
        def fact(sym: clingo.Symbol) -> None:
            backend.add_rule([backend.add_atom(sym)])

        for entity in entities:
            answers[entity] = EntityAnswer()
            fact(clingo.Function("entity", [clingo.String(entity)]))
        for entity, node, status in leaves:
            nsym = node_syms.get(node) or node_syms.setdefault(node, clingo.String(node))
            fact(clingo.Function("leaf", [clingo.String(entity), nsym, status_sym[status]]))
        for entity, field_name, clause, rank in ranks:
            if not (INT_MIN <= rank <= INT_MAX and INT_MIN <= clause <= INT_MAX):
                raise SolverError("rank outside the solver's 32-bit range")
            fact(clingo.Function("rank", [clingo.String(entity), clingo.String(field_name),
                                          clingo.Number(clause), clingo.Number(rank)]))
    ctl.ground([("base", [])])

    def on_model(model: clingo.Model) -> None:
        for sym in model.symbols(shown=True):
            args = sym.arguments
            answer = answers[args[0].string]
            if sym.name == "status":
                answer.status[args[1].string] = args[2].name
            elif sym.name == "chosen":
                answer.chosen[args[1].string] = args[2].number
            elif sym.name == "undecided":
                answer.undecided.add(args[1].string)
            elif sym.name == "missing_decided":
                answer.missing_decided.add(args[1].string)

    result = ctl.solve(on_model=on_model)
    if not result.satisfiable:
        raise SolverError("the compiled program has no answer set (a compiler bug)")
    return answers

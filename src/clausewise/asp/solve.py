"""The clingo adapter for evaluation.

Facts made from data enter through clingo's backend API as symbols, never as program text,
so no string in the data can change the program. Integers handed to clingo as numbers are
small (ranks, clause numbers, day and month numbers) and checked; figure values are exact
terms (:mod:`clausewise.asp.terms`). :mod:`clausewise.asp.search` is the other adapter (for
optimisation and enumeration in the analysis commands).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

import clingo

from clausewise.asp.terms import kind_of, number_parts, term_text

#: clingo integers are signed 32-bit; larger ones would wrap silently.
INT_MIN, INT_MAX = -(2**31), 2**31 - 1

STATUSES = ("pass", "fail", "unknown", "na")


@dataclass(slots=True)
class EntityAnswer:
    status: dict[str, str] = field(default_factory=dict)
    chosen: dict[str, int] = field(default_factory=dict)
    undecided: set[str] = field(default_factory=set)
    missing_decided: set[str] = field(default_factory=set)
    #: the unit (0, 1, ... in window order) that decides each quantifier the program states, or
    #: the first unknown one; absent when none does
    units: dict[str, int] = field(default_factory=dict)
    #: (field, clause, "when" or "value"): an outcome left undecided by a clause whose condition is
    #: unknown or whose value is missing (``undecided_by/4``); its missing data are the verdict's
    undecided_by: set[tuple[str, int, str]] = field(default_factory=set)

    def copy(self) -> "EntityAnswer":
        return EntityAnswer(dict(self.status), dict(self.chosen), set(self.undecided), set(self.missing_decided),
                            dict(self.units), set(self.undecided_by))


class SolverError(Exception):
    pass


def engine_version() -> str:
    return clingo.__version__


#: one fact of an entity: (predicate, arguments); an argument is a str (a string term), an int
#: (a number that fits), a (kind, value) pair (a figure value, :func:`value_symbol`; the kind is
#: part of its identity: ``False`` and ``0`` are equal in Python but different terms) or a
#: :class:`Const` (a constant name)
Fact = tuple[str, tuple]


def term(value: Any) -> tuple[str, Any]:
    """A figure value as a fact argument."""
    return (kind_of(value), value)


@dataclass(frozen=True, slots=True)
class Const:
    """A constant term (``pass``, ``true``)."""

    name: str


def solve(program: str, facts: Mapping[str, Iterable[Fact]], shared: Iterable[Fact] = ()) -> dict[str, EntityAnswer]:
    """Ground and solve the program over each entity's facts (``entity(E)`` is added; every
    fact gets the entity as its first argument) and the facts ``shared`` by all entities (the
    evaluation's parameters and constants); one answer per entity.

    The compiled program never relates two entities (every rule is keyed on ``E``), so an
    entity's answer depends only on its own facts. Entities with the same facts therefore share
    one solved answer: clingo grounds each distinct set of facts once, and the entities of a set
    share its answer (callers read answers, never edit them).
    """
    signature_of = {entity: tuple(entity_facts) for entity, entity_facts in facts.items()}
    distinct = list(dict.fromkeys(signature_of.values()))
    solved = _solve_distinct(program, distinct, tuple(shared))
    by_signature = dict(zip(distinct, solved))
    return {entity: by_signature[signature] for entity, signature in signature_of.items()}


def symbol(arg: Any) -> clingo.Symbol:
    """The clingo symbol of a fact's argument; numbers outside 32 bits are refused."""
    if type(arg) is str:
        return clingo.String(arg)
    if type(arg) is int:
        if not INT_MIN <= arg <= INT_MAX:
            raise SolverError(f"{arg} is outside the solver's 32-bit range")
        return clingo.Number(arg)
    if type(arg) is Const:
        return clingo.Function(arg.name)
    if type(arg) is tuple:
        return value_symbol(arg[1], arg[0])
    raise SolverError(f"no symbol for {arg!r}")


def value_symbol(value: Any, kind: str | None = None) -> clingo.Symbol:
    """A figure value as the term :func:`clausewise.asp.terms.term_text` writes."""
    kind = kind or kind_of(value)
    if kind == "number":
        sign, exponent, limbs = number_parts(value)
        tail = clingo.Supremum if sign < 0 else clingo.Tuple_([])
        for limb in reversed(limbs):
            tail = clingo.Tuple_([clingo.Number(limb if sign >= 0 else -limb), tail])
        return clingo.Function("q", [clingo.Number(sign), clingo.Number(exponent), tail])
    if kind == "string":
        return clingo.String(value)
    if kind == "bool":
        return clingo.Function("true" if value else "false")
    if kind in ("date", "month"):
        return clingo.Number(int(term_text(value)))
    raise SolverError(f"no term for the value {value!r}")


def _solve_distinct(program: str, signatures: list[tuple], shared: tuple[Fact, ...]) -> list[EntityAnswer]:
    """Solve once for each fact set; the k-th set is entity ``k`` (a small integer) in the program."""
    ctl = clingo.Control(["--warn=none", "--models=1"])
    ctl.add("base", [], program)
    symbols: dict[Any, clingo.Symbol] = {}

    def sym(arg: Any) -> clingo.Symbol:
        found = symbols.get(arg)
        if found is None:
            found = symbols[arg] = symbol(arg)
        return found

    answers = [EntityAnswer() for _ in signatures]
    with ctl.backend() as backend:
        def fact(s: clingo.Symbol) -> None:
            backend.add_rule([backend.add_atom(s)])

        for name, args in shared:
            fact(clingo.Function(name, [sym(a) for a in args]))
        for k, signature in enumerate(signatures):
            entity = clingo.Number(k)
            fact(clingo.Function("entity", [entity]))
            for name, args in signature:
                fact(clingo.Function(name, [entity, *(sym(a) for a in args)]))
    ctl.ground([("base", [])])

    answer_of = {str(k): answer for k, answer in enumerate(answers)}
    #: the text after the entity of a status/3 or chosen/3 symbol, read: the same for many entities
    read: dict[str, tuple[str, Any]] = {}

    def on_model(model: clingo.Model) -> None:
        # Reading a symbol's text is one call into clingo; reading its parts is six.
        for s in model.symbols(shown=True):
            name, _, rest = str(s).partition("(")
            index, _, rest = rest[:-1].partition(",")
            answer = answer_of[index]
            if name == "status":
                found = read.get(rest)
                if found is None:
                    node, _, status = rest.rpartition(",")
                    found = read[rest] = (_unquote(node), status)
                answer.status[found[0]] = found[1]
            elif name == "chosen":
                found = read.get(rest)
                if found is None:
                    field_name, _, clause = rest.rpartition(",")
                    found = read[rest] = (_unquote(field_name), int(clause))
                answer.chosen[found[0]] = found[1]
            elif name == "undecided":
                answer.undecided.add(_unquote(rest))
            elif name == "missing_decided":
                answer.missing_decided.add(_unquote(rest))
            elif name == "shown_unit":
                node, _, unit = rest.rpartition(",")
                answer.units[_unquote(node)] = int(unit)
            elif name == "undecided_by":
                rest, _, part = rest.rpartition(",")
                field_name, _, clause = rest.rpartition(",")
                answer.undecided_by.add((_unquote(field_name), int(clause), part))

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

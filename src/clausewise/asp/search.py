"""The second clingo adapter: search (optimisation, brave enumeration, witnesses) for what-if,
verify and diff.

:mod:`clausewise.asp.solve` evaluates a stratified program once per chunk of entities; this module
instead lets clingo *choose* figure values, so it needs choice rules, ``#minimize``, several
solves of one grounded program under assumptions, and two policies side by side (their
programs' predicates renamed apart through clingo's AST). That is a different way of driving
clingo, so it lives in its own clearly-named module; no other module imports clingo.

Programs here are fixed text written below plus the policies' compiled programs (the same text
evaluation runs, :attr:`Policy.program`); everything that comes from data or figures (candidate
indexes, the exact terms each candidate gives the programs' figures, weights, clause values)
enters as facts through clingo's backend API, never as program text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Sequence

import clingo
import clingo.ast as cast

from clausewise.asp.plan import COMPLIANCE
from clausewise.asp.solve import INT_MAX, INT_MIN, value_symbol

SEARCH_RULES = """\
% ---- analysis by search: the policies' own programs, their inputs chosen. Input facts, added
% through clingo's API (never as program text):
%   figure(F).  option(F,V).   search figure F takes one of its candidates V (small indexes; what-if: 0 is
%                              the current value)
%   missing_value(F,V).        candidate V of F is 'missing' (an empty field, an absent row)
%   day_figure(F).             F is the evaluation day (a generated entity's); its candidate is the day index
%   gives(P,D,F,V,G,X).        in policy P, candidate V of F gives the program's figure G the value X
%                              (an exact term, none or missing) on day D (any: every day)
%   gives_fixed(P,G,X).        ... or G keeps the value X measured on the entity
%   gives_unit(P,D,F,V,G,K,X).  gives_unit_fixed(P,G,K,X).   unit K of a quantifier's months or days G
%   const_on(P,D,C,X).  param_on(P,D,N,X).   the constants and parameters of day D
%   param_from(P,F,V,N,X).     a free parameter N takes the value X of candidate V of F
%   leaf_from(P,D,F,V,L,S).  leaf_on(P,D,L,S).  leaf_option(P,L,S), free_leaf(P,L).   the status of a leaf the
%                              program does not state: from a candidate, from the day, or chosen
% Each figure takes exactly one of its candidate values:
1 { value(F,V) : option(F,V) } 1 :- figure(F).
day(I) :- value(F,I), day_figure(F).
day(0) :- not day_free.
day_free :- day_figure(_).
fed(P,G,X) :- value(F,V), gives(P,any,F,V,G,X).
fed(P,G,X) :- value(F,V), day(D), gives(P,D,F,V,G,X).
fed(P,G,X) :- gives_fixed(P,G,X).
unit_fed(P,G,K,X) :- value(F,V), gives_unit(P,any,F,V,G,K,X).
unit_fed(P,G,K,X) :- value(F,V), day(D), gives_unit(P,D,F,V,G,K,X).
unit_fed(P,G,K,X) :- gives_unit_fixed(P,G,K,X).
const_is(P,C,X) :- const_on(P,any,C,X).
const_is(P,C,X) :- day(D), const_on(P,D,C,X).
param_is(P,N,X) :- param_on(P,any,N,X).
param_is(P,N,X) :- day(D), param_on(P,D,N,X).
param_is(P,N,X) :- value(F,V), param_from(P,F,V,N,X).
leaf_is(P,L,S) :- value(F,V), leaf_from(P,any,F,V,L,S).
leaf_is(P,L,S) :- value(F,V), day(D), leaf_from(P,D,F,V,L,S).
leaf_is(P,L,S) :- leaf_on(P,any,L,S).
leaf_is(P,L,S) :- day(D), leaf_on(P,D,L,S).
1 { leaf_is(P,L,S) : leaf_option(P,L,S) } 1 :- free_leaf(P,L).
% a figure computed from others (a named value) takes the value its inputs give, where they fix it:
%   broken(T,K).  broken_needs(T,K,F,V).   case K of tie T (one value per figure) is inconsistent
:- broken(T,K), value(F,V) : broken_needs(T,K,F,V).
% figures that read one row: when a required field of it is missing, the row is absent
%   same_row(F,G).  F missing means G is missing too
:- same_row(F,G), value(F,V), missing_value(F,V), value(G,W), not missing_value(G,W).
% a figure whose filter reads other figures is missing only when one of them is
%   missing_if(F,G).  F can be missing because G is
:- missing_if(F,_), value(F,V), missing_value(F,V), not missing_cause(F).
missing_cause(F) :- missing_if(F,G), value(G,W), missing_value(G,W).
% complete data (an assumption some searches make): no figure is missing
:- complete, value(F,V), missing_value(F,V).
#external complete.
#defined broken/2. #defined broken_needs/4. #defined same_row/2. #defined missing_if/2. #defined day_figure/1.
#defined gives/6. #defined gives_fixed/3.
#defined const_on/4. #defined param_on/4. #defined param_from/5. #defined leaf_from/6. #defined leaf_on/4.
#defined leaf_option/3. #defined free_leaf/2. #defined gives_unit/7. #defined gives_unit_fixed/4.
#defined missing_value/2. #defined option/2. #defined figure/1.
"""

BRIDGE = """\
% policy {tag}: its program's input facts come from the chosen values
{tag}_entity(E) :- witness(E).
{tag}_figure(E,G,X) :- witness(E), fed({tag},G,X), X != none, X != missing.
{tag}_figure_none(E,G) :- witness(E), fed({tag},G,none).
{tag}_figure_missing(E,G) :- witness(E), fed({tag},G,missing).
{tag}_unit_value(E,G,K,X) :- witness(E), unit_fed({tag},G,K,X), X != none, X != missing.
{tag}_unit_none(E,G,K) :- witness(E), unit_fed({tag},G,K,none).
{tag}_unit_missing(E,G,K) :- witness(E), unit_fed({tag},G,K,missing).
{tag}_const(C,X) :- const_is({tag},C,X), X != none, X != missing.
{tag}_const_none(C) :- const_is({tag},C,none).
{tag}_const_missing(C) :- const_is({tag},C,missing).
{tag}_param_given(N,X) :- param_is({tag},N,X), X != none, X != missing.
{tag}_param_none(N) :- param_is({tag},N,none).
{tag}_leaf(E,L,S) :- witness(E), leaf_is({tag},L,S).
"""

WHATIF_RULES = """\
% ---- what-if: reach the target with the fewest, then the smallest, changes
%   goal(G,F,I).    goal G is met when outcome field F is decided by clause I
%   goal_status(G,N,S). goal G is met when node N has status S (one of them, if several)
%   weight(F,V,W).  the relative change of taking candidate V of F, in basis points (1/10000)
%   nearness(F,V,R). candidate V is the R-th nearest to F's current value (a bound first)
changed(F) :- value(F,V), V != 0.
met(G) :- goal(G,F,I), a_chosen(E,F,I), not a_undecided(E,F).
met(G) :- goal_status(G,N,S), a_status(E,N,S).
:- goal(G,_,_), not met(G).
:- goal_status(G,_,_), not met(G).
% repairs already found (by their set of changed figures) are not found again
:- forbidden(N), changed(F) : forbid(N,F).
:- at_most(K), #count{ F : changed(F) } > K.
#minimize { 1@2,F : changed(F) }.
#minimize { W@1,F : value(F,V), weight(F,V,W) }.
% ties (weights are rounded): the value nearest to the current one (R = its rank by distance)
#minimize { R@0,F : value(F,V), nearness(F,V,R) }.
#defined goal/3. #defined goal_status/3. #defined forbid/2. #defined forbidden/1. #defined at_most/1.
#defined weight/3. #defined nearness/3.
"""

VERIFY_RULES = """\
% ---- verify: what can happen at all (brave consequences), each with a witness
% two clauses of one decide block whose conditions pass at once (the earlier or better one wins)
overlap(F,I,J) :- a_when(E,F,I,pass), a_when(E,F,J,pass), I < J, when_clause(F,J).
% ... and one of the two decides the field (an earlier clause may win over both)
overlap_decided(F,I,J) :- overlap(F,I,J), a_chosen(E,F,K), not a_undecided(E,F), K = (I;J).
% prefer witnesses with few missing figures
#minimize { 1,F : value(F,V), missing_value(F,V) }.
#defined when_clause/2.
"""

DIFF_RULES = """\
% ---- diff: outcomes of two policy versions on one witness entity
%   clause_value(P,F,I,A).  in policy P, clause I of field F gives value A (text)
out(P,F,A) :- P = old, old_chosen(E,F,I), not old_undecided(E,F), clause_value(P,F,I,A).
out(P,F,A) :- P = new, new_chosen(E,F,I), not new_undecided(E,F), clause_value(P,F,I,A).
out(old,F,"undecided") :- old_undecided(E,F).
out(new,F,"undecided") :- new_undecided(E,F).
% compliance as verdicts show it (clausewise.asp.plan.COMPLIANCE)
""" + " ".join(f'compliance({s},"{ {True: "true", False: "false", None: "undecided"}[c]}").' for s, c in COMPLIANCE.items()) + """
out(old,"compliant",T) :- old_status(E,"compliant",S), compliance(S,T).
out(new,"compliant",T) :- new_status(E,"compliant",S), compliance(S,T).
out(P,F,"(no such field)") :- some_field(F), policy(P), not has_field(P,F).
some_field(F) :- has_field(_,F).
change(F,A,B) :- out(old,F,A), out(new,F,B), A != B.
policy(old). policy(new).
#minimize { 1,F : value(F,V), missing_value(F,V) }.
#defined clause_value/4. #defined has_field/2. #defined old_status/3. #defined new_status/3.
"""


class _Rename(cast.Transformer):
    """Prefix every predicate of a compiled program, so two policies can share one solve."""

    def __init__(self, prefix: str):
        self.prefix = prefix

    def visit_SymbolicAtom(self, node):  # noqa: N802 (clingo's naming)
        symbol = node.symbol
        if symbol.ast_type == cast.ASTType.Function:
            return node.update(symbol=symbol.update(name=self.prefix + symbol.name))
        return node

    def visit_Defined(self, node):  # noqa: N802
        return node.update(name=self.prefix + node.name)


def renamed(program: str, tag: str) -> list:
    """The statements of a compiled program with predicates prefixed by ``tag_``, no #show."""
    out: list = []
    rename = _Rename(tag + "_")

    def keep(statement) -> None:
        if statement.ast_type in (cast.ASTType.ShowSignature, cast.ASTType.ShowTerm):
            return
        out.append(rename(statement))

    cast.parse_string(program, keep)
    return out


Fact = tuple[str, Sequence[object]]


def _term(value: object) -> clingo.Symbol:
    if isinstance(value, clingo.Symbol):
        return value
    if isinstance(value, tuple):  # a figure value as (kind, value): its exact term
        return value_symbol(value[1], value[0])
    if isinstance(value, bool):
        raise TypeError("no bools in facts")
    if isinstance(value, int):
        if not INT_MIN <= value <= INT_MAX:
            raise ValueError("an integer outside clingo's 32-bit range")
        return clingo.Number(value)
    if isinstance(value, Constant):
        return clingo.Function(value.name)
    return clingo.String(str(value))


@dataclass(frozen=True)
class Constant:
    """A symbolic constant term (``old``, ``pass``) rather than a string."""

    name: str


class Search:
    """One grounded search program: policies (renamed apart), the search rules, facts."""

    def __init__(self, programs: dict[str, str], rules: str, facts: Iterable[Fact]):
        self.ctl = clingo.Control(["--warn=none"])
        with cast.ProgramBuilder(self.ctl) as builder:
            for tag, program in programs.items():
                for statement in renamed(program, tag):
                    builder.add(statement)
            text = SEARCH_RULES + "".join(BRIDGE.format(tag=tag) for tag in programs) + rules
            cast.parse_string(text, builder.add)
        with self.ctl.backend() as backend:
            for name, args in facts:
                backend.add_rule([backend.add_atom(clingo.Function(name, [_term(a) for a in args]))])
        self.ctl.ground([("base", [])])

    def _solve_configuration(self) -> Any:
        """clingo's solve options (``enum_mode``, ``opt_mode``, ``models``)."""
        conf = self.ctl.configuration.solve
        assert isinstance(conf, clingo.Configuration)
        return conf

    def brave(self, complete: bool = False) -> set[clingo.Symbol]:
        """Every atom true in some answer set (optimisation ignored)."""
        conf = self._solve_configuration()
        conf.enum_mode, conf.opt_mode, conf.models = "brave", "ignore", "0"
        self.ctl.assign_external(clingo.Function("complete"), complete)
        last: list[clingo.Symbol] = []
        self.ctl.solve(on_model=lambda m: last.__setitem__(slice(None), m.symbols(atoms=True)))
        return set(last)

    def optimum(self, assume: Sequence[clingo.Symbol] = (), complete: bool = False) -> list[clingo.Symbol] | None:
        """An optimal answer set (under the #minimize statements) in which the assumed atoms hold."""
        conf = self._solve_configuration()
        conf.enum_mode, conf.opt_mode, conf.models = "auto", "opt", "0"
        self.ctl.assign_external(clingo.Function("complete"), complete)
        best: list[list[clingo.Symbol]] = []  # each model found improves on the one before

        def on_model(model: clingo.Model) -> bool:
            best[:] = [list(model.symbols(atoms=True))]
            return bool(model.cost)  # nothing to minimize (no #minimize literal grounded): any model is optimal

        result = self.ctl.solve(assumptions=[(a, True) for a in assume], on_model=on_model)
        return best[0] if result.satisfiable and best else None


    def satisfiable(self, assume: Sequence[clingo.Symbol] = (), complete: bool = False) -> bool:
        """Whether some answer set has the assumed atoms (optimisation ignored)."""
        conf = self._solve_configuration()
        conf.enum_mode, conf.opt_mode, conf.models = "auto", "ignore", "1"
        self.ctl.assign_external(clingo.Function("complete"), complete)
        return bool(self.ctl.solve(assumptions=[(a, True) for a in assume]).satisfiable)

    def guard(self, name: str) -> clingo.Symbol:
        """A fresh assumption atom: nogoods added under it hold only in solves that assume it."""
        atom = sym("guard", name)
        with self.ctl.backend() as backend:
            backend.add_external(backend.add_atom(atom), clingo.TruthValue.Free)
        return atom

    def forbid(self, atoms: Sequence[clingo.Symbol], guard: clingo.Symbol) -> bool:
        """A nogood through the backend: no answer set (that assumes ``guard``) has all ``atoms``.
        False if one of them is not in the grounded program (nothing to forbid)."""
        literals = []
        for atom in atoms:
            found = self.ctl.symbolic_atoms[atom]
            if found is None:
                return False
            literals.append(found.literal)
        with self.ctl.backend() as backend:
            backend.add_rule([], literals + [backend.add_atom(guard)])
        return True




class Retry:
    """Nogoods after witnesses no rows realize, each under its own guard so they can be dropped.

    A failed witness adds a *precise* nogood per figure the rows could not give (that figure's
    value together with the values of the figures that read the same rows, so the rest of the
    assignment stays free) and an *exact* one (the whole assignment of the claim's figures).
    A search assumes both; when the precise ones leave no witness (they can rule out more than
    the one conflict), it tries again with the exact ones alone before giving up. Strongest of
    all, for this claim only, each value of the claim's figures that misled the search (*missed*:
    the rows did not give it, and a condition over it took another status on the rows): without
    it an exact nogood on a witness of many figures moves the search to one that differs in a
    figure that does not matter and keeps the value the rows cannot give."""

    def __init__(self, search: "Search", name: str, learned: list[clingo.Symbol] | None = None):
        self.search, self.name = search, name
        #: conflicts hold whatever the claim: one list may serve every finding of a run
        self.precise: list[clingo.Symbol] = learned if learned is not None else []
        self.exact: list[clingo.Symbol] = []
        self.missed: list[clingo.Symbol] = []

    def assumptions(self) -> list[list[clingo.Symbol]]:
        """Guard sets to assume, strongest first."""
        both = self.precise + self.exact
        return ([both + self.missed] if self.missed else []) + ([both, self.exact] if self.precise else [self.exact])

    def fail(self, keys: list[str], index: dict[int, int], groups: list[dict[str, int]], whole: list[str],
             missed: Sequence[dict[str, int]] = ()) -> bool:
        """Exclude a failed assignment (``index``: figure position -> candidate): each group of
        figure values that conflict ({figure: candidate}), the values of the claim's figures
        (``whole``), and (for this claim) each value that misled the search (``missed``). False
        if nothing could be excluded."""
        position = {k: i for i, k in enumerate(keys)}
        n = len(self.exact)
        for i, group in enumerate(groups):
            atoms = [sym("value", position[k], v) for k, v in sorted(group.items()) if k in position]
            guard = self.search.guard(f"{self.name} {n} precise {i}")
            if atoms and self.search.forbid(atoms, guard):
                self.precise.append(guard)
        for i, group in enumerate(missed):
            atoms = [sym("value", position[k], v) for k, v in sorted(group.items()) if k in position]
            guard = self.search.guard(f"{self.name} {n} missed {i}")
            if atoms and self.search.forbid(atoms, guard):
                self.missed.append(guard)
        added = False
        found = [sym("value", position[k], index[position[k]]) for k in sorted(set(whole or keys)) if position.get(k) in index]
        guard = self.search.guard(f"{self.name} {n} exact")
        if found and self.search.forbid(found, guard):
            self.exact.append(guard)
            added = True
        return added

    def solve(self, assume: Sequence[clingo.Symbol], complete: bool = False) -> list[clingo.Symbol] | None:
        """The next witness: under every nogood so far, else under the exact ones alone. When
        the missed values together leave no witness, only some are kept: in the order they were
        learned, each that still leaves one with those kept before it."""
        if self.missed:
            base = list(assume) + self.precise + self.exact
            if not self.search.satisfiable(base + self.missed, complete):
                kept: list[clingo.Symbol] = []
                for guard in self.missed:
                    if self.search.satisfiable(base + kept + [guard], complete):
                        kept.append(guard)
                self.missed = kept
        for extra in self.assumptions():
            model = self.search.optimum(list(assume) + extra, complete)
            if model is not None:
                return model
        return None


def sym(name: str, *args: object) -> clingo.Symbol:
    return clingo.Function(name, [_term(a) for a in args])

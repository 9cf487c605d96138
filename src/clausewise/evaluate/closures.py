"""Leaf conditions compiled to Python closures, once per evaluation.

:class:`clausewise.evaluate.measure.Evaluator` walks the syntax tree for every entity: each step
matches the node's type and looks up what its names refer to. For the leaves that compare
plain values (literals, parameters, ``as_of``, fields of the entity's own row and arithmetic
on them, e.g. ``paid_orders >= silver_paid_orders``) that lookup is the same for every
entity, so it is done once here and the leaf becomes a closure over the row.

Everything else (aggregates, windows, lets, quantifiers, lookups) goes through the tree
walker unchanged: the closures give exactly the walker's values and results
(tests/engine/test_speed_paths.py compares them), they only skip the lookups.
"""

from __future__ import annotations

from typing import Any, Callable

from clausewise.language import syntax
from clausewise.language.refs import ConventionRef, EntityFieldRef, EnumRef, ParamRef
from clausewise.evaluate.measure import Evaluator, Missing, Scope, field_value, arith, missing

Value = Callable[[Scope], Any]


def compile_value(ev: Evaluator, node: Any) -> Value | None:
    """A closure giving ``ev.eval(node, scope)``, or None when the node needs the tree walker."""
    match node:
        case syntax.Number(value=value) | syntax.String(value=value) | syntax.BoolLit(value=value) \
                | syntax.DateLit(value=value) | syntax.MonthLit(value=value):
            return lambda scope: value
        case syntax.NoneLit():
            return lambda scope: None
        case syntax.AsOf():
            as_of = ev.as_of
            return lambda scope: as_of
        case syntax.Name() | syntax.Attr():
            return _reference(ev, node)
        case syntax.Arith(op=op, left=left, right=right):
            a, b = compile_value(ev, left), compile_value(ev, right)
            if a is None or b is None:
                return None

            def arithmetic(scope: Scope) -> Any:
                x, y = a(scope), b(scope)
                return missing(x, y) or arith(op, x, y)
            return arithmetic
        case syntax.Neg(expr=inner):
            f = compile_value(ev, inner)
            if f is None:
                return None

            def negative(scope: Scope) -> Any:
                v = f(scope)
                return v if isinstance(v, Missing) else -v
            return negative
    return None


def _reference(ev: Evaluator, node: Any) -> Value | None:
    match ev.c.refs.get(node.nid):
        case ParamRef(name):
            params = ev.params
            return lambda scope: params[name]
        case EnumRef(value):
            return lambda scope: value
        case ConventionRef():
            convention = ev.convention
            return lambda scope: convention
        case EntityFieldRef(name):
            table = ev.c.entity_table
            key = ev.c.tables[table].key[0]

            def entity_field(scope: Scope) -> Any:
                value = scope.entity.get(name)
                return value if value is not None else field_value(scope.entity, name, table, scope.entity.get(key))
            return entity_field
    return None


def value_of(ev: Evaluator, node: Any, scope: Scope) -> Any:
    """``ev.eval(node, scope)``, through a closure compiled once per node where one can be."""
    compiled = ev.compiled.get(node.nid)
    if compiled is None:
        compiled = ev.compiled[node.nid] = compile_value(ev, node) or (lambda scope: ev.eval(node, scope))
    return compiled(scope)

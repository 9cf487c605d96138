"""What a name or a field access refers to: the checker's name resolution, one small class per kind.

The checker records one :data:`Ref` per resolved node in ``Checked.refs``; the evaluator, the
columnar lowering, the ASP plan and the analysis read it by ``isinstance`` or ``match``.
A :data:`Link` is the (table field, subject field) pair that joins a table's rows to a subject row.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Union

from clausewise.language.dataclassmethods import DataclassMethods  # ==, hash and repr as @dataclass writes them

#: (field of the table, field of the subject row it holds): how a table's rows join a subject row
Link = tuple[str, str]


@dataclass(frozen=True, eq=False, repr=False)
class VarRef(DataclassMethods):
    """A bound name: a quantifier's or an aggregate binder's variable (``d``, ``s``, ``o``)."""

    name: str


@dataclass(frozen=True, eq=False, repr=False)
class RowFieldRef(DataclassMethods):
    """A field of the row an aggregate is evaluating (``paid_orders`` or ``T.f`` inside ``sum(T.f ...)``)."""

    name: str


@dataclass(frozen=True, eq=False, repr=False)
class RowVarFieldRef(DataclassMethods):
    """``o.f`` where ``o`` is bound to a row of a table (``count(o in orders where o.f ...)``)."""

    var: str
    name: str


@dataclass(frozen=True, eq=False, repr=False)
class ItemFieldRef(DataclassMethods):
    """``s.f`` where ``s`` is bound to a related item (``count(s in bound_shops where s.f ...)``)."""

    var: str
    name: str


@dataclass(frozen=True, eq=False, repr=False)
class LetRef(DataclassMethods):
    """A named value (``let NAME = ...``)."""

    name: str


@dataclass(frozen=True, eq=False, repr=False)
class ParamRef(DataclassMethods):
    """A parameter (``param NAME: ...``), or a ladder's parameter."""

    name: str


@dataclass(frozen=True, eq=False, repr=False)
class EntityFieldRef(DataclassMethods):
    """A field of the entity row; also the ``for each NAME`` dimension, which is its value."""

    name: str


@dataclass(frozen=True, eq=False, repr=False)
class ConventionRef(DataclassMethods):
    """The period day count convention."""


@dataclass(frozen=True, eq=False, repr=False)
class TableRef(DataclassMethods):
    """A table by name (``count(shop_daily during w)`` counts its rows)."""

    name: str


@dataclass(frozen=True, eq=False, repr=False)
class RelationRef(DataclassMethods):
    """A relation by name (``bound_shops``)."""

    name: str


@dataclass(frozen=True, eq=False, repr=False)
class LookupRef(DataclassMethods):
    """``T.f`` of the one row of ``T`` that belongs to the subject (``T`` keyed by the link)."""

    table: str
    field: str
    link: Link


@dataclass(frozen=True, eq=False, repr=False)
class AtRef(DataclassMethods):
    """``T.f on DATE``: the value in the subject's row of that day."""

    table: str
    field: str
    link: Link


@dataclass(frozen=True, eq=False, repr=False)
class RuleOnRef(DataclassMethods):
    """``RULE on DATE``: whether a rule passed as of another day."""

    name: str


@dataclass(frozen=True, eq=False, repr=False)
class RuleRef(DataclassMethods):
    """A rule read as a condition."""

    name: str


@dataclass(frozen=True, eq=False, repr=False)
class EnumRef(DataclassMethods):
    """A bare name that is a value of an enum (``tier_a``)."""

    value: str


@dataclass(frozen=True, eq=False, repr=False)
class ItemsRef(DataclassMethods):
    """An aggregate over related items (``count(s in bound_shops ...)``)."""


@dataclass(frozen=True, eq=False, repr=False)
class RowsRef(DataclassMethods):
    """An aggregate over the rows of a table that belong to the subject."""

    table: str
    link: Link


Ref = Union[VarRef, RowFieldRef, RowVarFieldRef, ItemFieldRef, LetRef, ParamRef, EntityFieldRef, ConventionRef,
            TableRef, RelationRef, LookupRef, AtRef, RuleOnRef, RuleRef, EnumRef, ItemsRef, RowsRef]

#: the references whose value is fixed by the policy and the parameters, not by the data
CONSTANT = (ParamRef, EnumRef, ConventionRef)

"""What the parts of the checker share: the declarations read so far, what it records per node,
and the methods one part calls on another.

:class:`clausewise.language.check.Checker` is built from two mixins, ``ExprChecker``
(``infer.py``) and ``DerivedChecker`` (``infer_computed.py``); both derive from
:class:`CheckerState`, so each is type-checked against what the others provide.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from clausewise.language import syntax
    from clausewise.language.check import Param, Relation
    from clausewise.language.diagnostics import Diagnostic, SourceFile
    from clausewise.language.sorts import Sort
    from clausewise.language.refs import Ref
    from clausewise.values.valuetypes import TableSchema, ValueType


class CheckerState:
    """The checker's state (set by ``Checker.__init__``) and the methods its parts share."""

    tree: syntax.PolicyFile
    source: SourceFile
    errors: list[Diagnostic]
    warnings: list[Diagnostic]
    #: (table, subject) pairs already reported as not joined
    unlinked: set[tuple[str, str]]
    tables: dict[str, TableSchema]
    relations: dict[str, Relation]
    params: dict[str, Param]
    lets: dict[str, syntax.LetDecl]
    rules: dict[str, syntax.RuleDecl]
    decides: dict[str, syntax.DecideDecl]
    #: per node id: its sort, and what a name refers to
    sorts: dict[int, Sort]
    refs: dict[int, Ref]
    used_params: set[str]
    entity_table: str
    dimension_name: str | None = None
    dimension_type: ValueType | None = None

    # ---- in check.py ---------------------------------------------------------------------------
    def error(self, node: Any, message: str, hint: str | None = None) -> None:
        raise NotImplementedError

    def warn(self, node: Any, message: str, hint: str | None = None) -> None:
        raise NotImplementedError

    def check_let(self, name: str) -> None:
        raise NotImplementedError

    # ---- in infer.py ---------------------------------------------------------------------------
    def expr(self, node: Any, scope: dict) -> Sort:
        raise NotImplementedError

    def scalar(self, node: Any, scope: dict) -> Sort:
        raise NotImplementedError

    def expect_value(self, node: Any, sort: Sort, want: ValueType, what: str, scope: dict | None = None) -> None:
        raise NotImplementedError

    def expect_window(self, node: Any, scope: dict) -> Sort:
        raise NotImplementedError

    def cond(self, node: Any, scope: dict) -> None:
        raise NotImplementedError

    # ---- in infer_computed.py ------------------------------------------------------------------
    def index(self, node: syntax.Index, scope: dict, partial: bool = False) -> Sort:
        raise NotImplementedError

    def derived(self, node: Any, scope: dict) -> Sort:
        raise NotImplementedError

    def row_expression_target(self, node: syntax.Aggregate) -> Sort:
        raise NotImplementedError

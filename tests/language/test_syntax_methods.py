"""The syntax nodes and references inherit ``==``, ``hash`` and ``repr`` from one base
(:class:`clausewise.language.syntax.DataclassMethods`) instead of having ``@dataclass`` write them
for each class: they must give what ``@dataclass(frozen=True)`` gives. The reference here is the
standard library's own: a dataclass made with the same fields and flags, holding the same values."""

from __future__ import annotations

import dataclasses
import functools
import itertools
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from clausewise.language import refs, syntax
from clausewise.language.check import check
from clausewise.language.diagnostics import SourceFile
from clausewise.language.parse import parse_text

POLICIES = sorted((Path(__file__).resolve().parents[2] / "policies").glob("*.policy"))


def subclasses(cls: type) -> set[type]:
    direct: list[type] = cls.__subclasses__()
    found: set[type] = set(direct)
    for sub in direct:
        found |= subclasses(sub)
    return found


@functools.cache
def reference_class(cls: type) -> type:
    """A dataclass whose ``==``, ``hash`` and ``repr`` the standard library writes, with the fields
    (and their compare, hash and repr flags) of ``cls``."""
    specs = [(f.name, Any, dataclasses.field(default=None, compare=f.compare, hash=f.hash, repr=f.repr))
             for f in dataclasses.fields(cls)]
    made = dataclasses.make_dataclass(cls.__name__, specs, frozen=True, kw_only=True)
    made.__qualname__ = cls.__qualname__
    return made


def reference(value: Any) -> Any:
    cls: type = type(value)
    return reference_class(cls)(**{f.name: getattr(value, f.name) for f in dataclasses.fields(value)})


def reachable(root: Any) -> list[Any]:
    """Every node and reference reachable from ``root`` through attributes, dicts, lists and tuples."""
    seen: set[int] = set()
    found: list[Any] = []
    stack = [root]
    while stack:
        value = stack.pop()
        if id(value) in seen or isinstance(value, (str, bytes, int, float, type)) or value is None:
            continue
        seen.add(id(value))
        if isinstance(value, syntax.DataclassMethods):
            found.append(value)
            stack.extend(getattr(value, f.name) for f in dataclasses.fields(value))
        elif isinstance(value, dict):
            stack.extend(value.keys())
            stack.extend(value.values())
        elif isinstance(value, (list, tuple, set, frozenset)):
            stack.extend(value)
        elif hasattr(value, "__dict__") and type(value).__module__.startswith("clausewise."):
            stack.extend(vars(value).values())
    return found


@functools.cache
def bundled_values() -> tuple[Any, ...]:
    values: list[Any] = []
    for path in POLICIES:
        text = path.read_text(encoding="utf-8")
        tree = parse_text(text, str(path))
        values += reachable(tree) + reachable(check(tree, SourceFile(str(path), text)))
    return tuple(values)


def test_every_class_with_the_shared_methods_is_a_frozen_dataclass_that_leaves_them_to_the_base():
    classes = subclasses(syntax.DataclassMethods)
    assert len(classes) > 60  # the syntax nodes and the references
    for cls in classes:
        assert dataclasses.is_dataclass(cls) and cls.__dataclass_params__.frozen, cls  # type: ignore[attr-defined]
        for name in ("__eq__", "__hash__", "__repr__"):
            owner = next(c for c in cls.__mro__ if name in vars(c))
            assert owner is syntax.DataclassMethods, (cls, name, owner)


def test_equality_hash_and_repr_are_those_dataclass_writes_on_every_bundled_node_and_reference():
    values = bundled_values()
    by_class: dict[type, list[Any]] = defaultdict(list)
    for v in values:
        by_class[type(v)].append(v)
    assert len(values) > 3000 and any(issubclass(c, refs.VarRef) or c.__module__.endswith("refs") for c in by_class)
    for cls, group in by_class.items():
        for v in group:
            ref = reference(v)
            assert repr(v) == repr(ref)
            assert hash(v) == hash(ref), cls
        # equal and unequal pairs alike, and copies (a copy keeps every field, so it is equal)
        for a, b in itertools.islice(itertools.combinations(group, 2), 400):
            assert (a == b) == (reference(a) == reference(b)), (a, b)
        for v in group[:20]:
            twin = dataclasses.replace(v) if all(f.init for f in dataclasses.fields(v)) else None
            if twin is not None:
                assert twin == v and hash(twin) == hash(v)
        assert group[0] != object() and (group[0] == object()) is False


@pytest.mark.parametrize("cls", [syntax.Number, syntax.Compare, refs.ParamRef])
def test_a_changed_compared_field_makes_an_unequal_value(cls):
    """A mutation check of the base: a node differing in one compared field is not equal."""
    value = next(v for v in bundled_values() if type(v) is cls)
    compared = [f for f in dataclasses.fields(value) if f.compare]
    assert compared
    changed = dataclasses.replace(value, **{compared[0].name: "something else"}) if compared[0].init else None
    if changed is not None:
        assert changed != value and reference(changed) != reference(value)

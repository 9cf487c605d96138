"""The ``==``, ``hash`` and ``repr`` of the syntax nodes and references, written once.

``@dataclass(frozen=True)`` compiles these three methods for every class; the 66 node and
reference classes are declared ``eq=False, repr=False`` and inherit them from
:class:`DataclassMethods` instead, which makes importing the language cheaper
(tests/language/test_syntax_methods.py checks them against the standard library's own).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from operator import attrgetter
from reprlib import recursive_repr


class DataclassMethods:
    """The ``==``, ``hash`` and ``repr`` that ``@dataclass(frozen=True)`` generates (over the fields
    with ``compare``, and with ``repr``), written once for the frozen dataclasses that inherit them
    and are declared with ``eq=False, repr=False`` (syntax nodes, :mod:`clausewise.language.refs`):
    creating such a class at import compiles three functions instead of six."""

    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        cls = self.__class__
        if other.__class__ is cls:
            compared = _COMPARED.get(cls) or _compared(cls)
            return compared(self) == compared(other)
        return NotImplemented

    def __hash__(self) -> int:
        cls = self.__class__
        return hash((_COMPARED.get(cls) or _compared(cls))(self))

    @recursive_repr()
    def __repr__(self) -> str:
        shown = ", ".join(f"{f.name}={getattr(self, f.name)!r}" for f in fields(self) if f.repr)  # type: ignore[arg-type]
        return f"{self.__class__.__qualname__}({shown})"


_COMPARED: dict[type, Callable[[object], tuple]] = {}


def _compared(cls: type) -> Callable[[object], tuple]:
    """The tuple an instance of dataclass ``cls`` is compared and hashed by: its fields with
    ``compare``, in field order, as ``@dataclass`` compares and hashes them."""
    names = [f.name for f in fields(cls) if f.compare]
    got: Callable[[object], tuple]
    if not names:
        got = _no_fields
    elif len(names) == 1:
        one = attrgetter(names[0])
        got = lambda value: (one(value),)  # noqa: E731
    else:
        got = attrgetter(*names)
    _COMPARED[cls] = got
    return got


def _no_fields(value: object) -> tuple:
    return ()

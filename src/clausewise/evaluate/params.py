"""Parameter values: from defaults, a parameters file and ``--param k=v``, checked by type.

Values are written as the rule text writes them (``30万``, ``9,000,000``, ``2024-01..2024-03``).
A required parameter without a value is an error naming it and the clauses that need it.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Mapping

from clausewise.data.files import parse_json
from clausewise.data.rows import MAX_NUMBER_DIGITS, parse_value
from clausewise.language.check import Checked, Param
from clausewise.language.sorts import CONVENTION, CONVENTIONS
from clausewise.language.diagnostics import ClausewiseError, did_you_mean
from clausewise.language.parse import parse_number
from clausewise.language.syntax import ParamDecl
from clausewise.values.valuetypes import Month, ValueType
from clausewise.values.calendar import Window, latest_natural_months, natural_months_problem, parse_window


#: a number as rules write it, in ASCII digits: ``900万``, ``9,000,000``, ``0.05``, ``1e6``
_NUMBER = re.compile(r"[+-]?(\d[\d,]*(\.\d*)?|\.\d+)([eE][+-]?\d+)?[万Ww%]?", re.ASCII)


def parse_param_value(raw: Any, vtype: ValueType) -> Any:
    """Convert a user-given value (text or JSON value) to the parameter's type, range-checked
    as a data value of that type is (no negative counts, rates between 0 and 1, finite numbers)."""
    if vtype.kind == "window":
        if isinstance(raw, Window):
            return raw
        return parse_window(str(raw))
    if vtype.is_numeric:
        if isinstance(raw, bool):
            raise ValueError(f"expected a number, got {raw!r}")
        if isinstance(raw, float):
            raise ValueError("write numbers exactly (as text or integers), not as binary floats")
        value = raw if isinstance(raw, (int, Decimal)) else _number_text(str(raw), vtype)
        if vtype.kind == "number":
            return value
        return parse_value(value, vtype)  # the data's range checks, e.g. 'negative orders: -5'
    if vtype.kind == "date":
        if isinstance(raw, dt.date):
            return raw
        if not _DAY.fullmatch(str(raw).strip()):
            raise ValueError(f"not a date (YYYY-MM-DD): {raw!r}")
        return dt.date.fromisoformat(str(raw).strip())
    if vtype.kind == "month":
        return raw if isinstance(raw, Month) else Month.parse(str(raw))
    if vtype.kind == "bool":
        text = str(raw).lower()
        if text not in ("true", "false", "1", "0"):
            raise ValueError(f"expected true or false, got {raw!r}")
        return text in ("true", "1")
    if vtype.kind == "enum" and str(raw) not in vtype.enum_values:
        raise ValueError(f"expected one of {', '.join(vtype.enum_values)}, got {raw!r}")
    return str(raw)


_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _number_text(raw: str, vtype: ValueType) -> int | Decimal:
    """``900万``, ``9,000,000`` or ``1000 orders`` (the unit as policies write it, if it is the parameter's)."""
    words = raw.split()
    if len(words) == 2 and words[1] == vtype.kind:
        text = words[0]
    elif len(words) == 2 and vtype.kind != "number":
        raise ValueError(f"{raw!r}: the unit of this parameter is {vtype.kind}, not {words[1]!r}")
    else:
        text = raw.strip()
    if not _NUMBER.fullmatch(text):
        raise ValueError(f"not a number: {raw!r} (write e.g. 900万, 9,000,000, 0.05 or 1000 {vtype.kind})")
    try:
        if Decimal(text.replace(",", "").rstrip("万Ww%")).adjusted() >= MAX_NUMBER_DIGITS:  # before int(): 1e1000000
            raise ValueError(f"out of range (at most {MAX_NUMBER_DIGITS:,} digits): {raw!r}")
        return parse_number(text)
    except InvalidOperation:
        raise ValueError(f"not a number: {raw!r}") from None


def load_params_file(path: str | Path) -> dict[str, Any]:
    """A JSON object of parameter values; numbers may be written as text (``"30万"``)."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ClausewiseError.simple(str(path), f"cannot read parameters file: {exc.strerror}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise ClausewiseError.simple(f"{path}:{line}", f"not UTF-8 text: byte {data[exc.start]:#04x} cannot be decoded",
                                     "save the file as UTF-8") from None
    try:
        values = parse_json(text)
    except json.JSONDecodeError as exc:
        raise ClausewiseError.simple(f"{path}:{exc.lineno}:{exc.colno}", f"not valid JSON: {exc.msg}") from None
    except ValueError as exc:
        raise ClausewiseError.simple(str(path), f"not accepted: {exc}") from None
    if not isinstance(values, dict):
        raise ClausewiseError.simple(str(path), "a parameters file holds one JSON object")
    return values


def resolve_params(checked: Checked, given: Mapping[str, Any], as_of: dt.date,
                   where: str = "parameters") -> tuple[dict[str, Any], str]:
    """Every parameter's value and the day-count convention; errors name what is wrong.

    A default that depends on the day (``last 30 days to as_of``) is computed for ``as_of``,
    the evaluation's day, never the machine's clock."""
    from clausewise.evaluate.measure import Data, Evaluator, Missing, Scope

    errors = []
    known = set(checked.params) | {CONVENTION}
    for name in sorted(given):
        if name not in known:
            errors.append(ClausewiseError.simple(where, f"unknown parameter {name!r}", did_you_mean(name, known)).diagnostics[0])
    values: dict[str, Any] = {}
    convention = str(given.get(CONVENTION, CONVENTIONS[0]))
    if convention not in CONVENTIONS:
        errors.append(ClausewiseError.simple(where, f"{CONVENTION} must be one of {', '.join(CONVENTIONS)}").diagnostics[0])
    for name, param in sorted(checked.params.items()):
        cites = f" [{', '.join(param.decl.meta.cites)}]" if param.decl and param.decl.meta.cites else ""
        try:
            if name in given:
                values[name] = _convert(param, given[name])
            elif param.default is not None:
                ev = Evaluator(checked, Data({}), values, as_of, convention)
                value = ev.eval(param.default, Scope({}, checked.entity_table, None))
                if isinstance(value, Missing):
                    raise ValueError(f"its default cannot be computed for {as_of}: {'; '.join(value.reasons)}")
                values[name] = value
            else:
                errors.append(ClausewiseError.simple(
                    where, f"parameter '{name}'{cites} has no value and no default",
                    f"give it: --param {name}=VALUE or a parameters file (--params FILE)").diagnostics[0])
            size = checked.group_counts.get(name)
            if size is not None and name in values and not (type(values[name]) is int and 1 <= values[name] <= size):
                raise ValueError(f"{values[name]} is not a whole number from 1 to {size}, the size of its "
                                 f"smallest 'at least {name} of' group")
            if name in values and param.decl is not None and param.decl.window_months is not None:
                errors += _window_shape_errors(param.decl, values[name], as_of, cites, where, name in given)
        except (ValueError, TypeError) as exc:
            errors.append(ClausewiseError.simple(where, f"parameter '{name}'{cites}: {exc}").diagnostics[0])
    if errors:
        raise ClausewiseError(errors)
    return values, convention


def _window_shape_errors(decl: ParamDecl, value: Any, as_of: dt.date, cites: str, where: str, given: bool) -> list:
    """``window of N natural months [ending by as_of]``: the value given (or the default) has that shape."""
    months = decl.window_months or 0
    shape = f"{months} whole natural month{'s' if months != 1 else ''}"
    if decl.window_ends_by_as_of:
        shape += f" ending by the as-of date {as_of}"
    ends_by = as_of if decl.window_ends_by_as_of else None
    problem = natural_months_problem(value, months, ends_by) if isinstance(value, Window) else f"{value} is not a window"
    if problem is None:
        return []
    example = latest_natural_months(months, as_of if ends_by else max(as_of, value.end if isinstance(value, Window) else as_of))
    what = "" if given else " (its default)"
    return ClausewiseError.simple(where, f"parameter '{decl.name}'{cites}{what}: {problem}; it must be {shape}",
                                  f"e.g. --param {decl.name}={example}").diagnostics


def _convert(param: Param, raw: Any) -> Any:
    if param.per is None:
        return parse_param_value(raw, param.vtype)
    if isinstance(raw, str):
        try:
            raw = parse_json(raw)
        except ValueError:
            raise ValueError('a per-key parameter takes a JSON object, e.g. {"女装": 5000}') from None
    if not isinstance(raw, dict):
        raise ValueError('a per-key parameter takes a JSON object, e.g. {"女装": 5000}')
    return _nested(raw, (param.per, *param.per_more), param.vtype)


def _nested(raw: Any, keys: tuple[ValueType, ...], vtype: ValueType) -> Any:
    """A parameter with several keys (``per enum(a, b), string``) is an object of objects."""
    if not keys:
        return parse_param_value(raw, vtype)
    if not isinstance(raw, dict):
        raise ValueError(f"expected an object keyed by {keys[0]}, got {raw!r}")
    return {parse_param_value(k, keys[0]): _nested(v, keys[1:], vtype) for k, v in raw.items()}

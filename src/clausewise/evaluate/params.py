"""Parameter values: from defaults, a parameters file and ``--param k=v``, checked by type.

Values are written as the rule text writes them (``30万``, ``9,000,000``, ``2024-01..2024-03``).
A required parameter without a value is an error naming it and the clauses that need it.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Mapping

from clausewise.language.check import Checked, Param
from clausewise.language.infer import CONVENTION, CONVENTIONS
from clausewise.language.diagnostics import ClausewiseError, did_you_mean
from clausewise.language.parse import parse_number
from clausewise.values.valuetypes import Month, ValueType
from clausewise.values.calendar import Window, parse_window


def parse_param_value(raw: Any, vtype: ValueType) -> Any:
    """Convert a user-given value (text or JSON value) to the parameter's type."""
    if vtype.kind == "window":
        if isinstance(raw, Window):
            return raw
        return parse_window(str(raw))
    if vtype.is_numeric:
        if isinstance(raw, bool):
            raise ValueError(f"expected a number, got {raw!r}")
        if isinstance(raw, float):
            raise ValueError("write numbers exactly (as text or integers), not as binary floats")
        try:
            value = parse_number(str(raw).strip()) if not isinstance(raw, (int, Decimal)) else raw
        except (InvalidOperation, ValueError):
            raise ValueError(f"not a number: {raw!r}") from None
        if vtype.is_integral and not (isinstance(value, int) or value == int(value)):
            raise ValueError(f"{vtype} must be a whole number, got {raw!r}")
        return int(value) if vtype.is_integral else Decimal(value)
    if vtype.kind == "date":
        return raw if isinstance(raw, dt.date) else dt.date.fromisoformat(str(raw))
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


def load_params_file(path: str | Path) -> dict[str, Any]:
    """A JSON object of parameter values; numbers may be written as text (``"30万"``)."""
    try:
        text = Path(path).read_text("utf-8")
    except OSError as exc:
        raise ClausewiseError.simple(str(path), f"cannot read parameters file: {exc.strerror}") from None
    try:
        data = json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        raise ClausewiseError.simple(f"{path}:{exc.lineno}:{exc.colno}", f"not valid JSON: {exc.msg}") from None
    if not isinstance(data, dict):
        raise ClausewiseError.simple(str(path), "a parameters file holds one JSON object")
    return data


def resolve_params(checked: Checked, given: Mapping[str, Any], where: str = "parameters") -> tuple[dict[str, Any], str]:
    """Every parameter's value and the day-count convention; errors name what is wrong."""
    from clausewise.evaluate.measure import Data, Evaluator, Scope

    errors = []
    known = set(checked.params) | {CONVENTION}
    for name in sorted(given):
        if name not in known:
            errors.append(ClausewiseError.simple(where, f"unknown parameter '{name}'", did_you_mean(name, known)).diagnostics[0])
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
                ev = Evaluator(checked, Data({}), values, dt.date.today(), convention)
                values[name] = ev.eval(param.default, Scope({}, checked.entity_table, None))
            else:
                errors.append(ClausewiseError.simple(
                    where, f"parameter '{name}'{cites} has no value and no default",
                    f"give it: --param {name}=VALUE or a parameters file (--params FILE)").diagnostics[0])
        except (ValueError, TypeError) as exc:
            errors.append(ClausewiseError.simple(where, f"parameter '{name}'{cites}: {exc}").diagnostics[0])
    if errors:
        raise ClausewiseError(errors)
    return values, convention


def _convert(param: Param, raw: Any) -> Any:
    if param.per is None:
        return parse_param_value(raw, param.vtype)
    if isinstance(raw, str):
        try:
            raw = json.loads(raw, parse_float=Decimal)
        except json.JSONDecodeError:
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

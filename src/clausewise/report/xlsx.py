"""An audit as a spreadsheet (XlsxWriter): verdicts, summary and decision record sheets.

The verdicts sheet has one row per entity and, for every condition, its status, observed
value, bound and gap; rows are written one by one (XlsxWriter's constant-memory mode), so a
large audit does not grow the memory. The same verdict file and record give the same bytes.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from clausewise.language.diagnostics import ClausewiseError
from clausewise.report.html import TEXTS
from clausewise.report.htmldata import (
    STATUSES,
    ReportData,
    not_a_verdict,
    number,
    outcome_shown,
    reported_failing,
    verdict_lines,
    walk,
)

MAX_ROWS = 1_048_576 - 2  # Excel's limit, less the two header rows
SHEETS = {"en": ("verdicts", "summary", "decision record"), "zh": ("裁决", "汇总", "判定记录")}


def cell_value(text: str | None) -> str | float | None:
    """A figure as a number when Excel can hold it exactly (a float), else its text."""
    value = number(text)
    if value is None:
        return text
    as_float = float(value)
    return as_float if Decimal(repr(as_float)) == value else text


def write_xlsx(verdicts: Path, out: Path, record: dict[str, Any] | None, lang: str = "en") -> int:
    """Write the spreadsheet of a verdict file (JSON Lines) to ``out``; return the number of verdicts."""
    import xlsxwriter  # type: ignore[import-untyped]

    texts = TEXTS[lang]
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    book = xlsxwriter.Workbook(str(partial), {"constant_memory": True, "strings_to_numbers": False,
                                              "strings_to_formulas": False, "strings_to_urls": False})
    try:
        count = _fill(book, verdicts, record, lang, texts)
    except BaseException:
        book.close()
        partial.unlink(missing_ok=True)
        raise
    book.close()
    partial.replace(out)
    return count


def _fill(book: Any, verdicts: Path, record: dict[str, Any] | None, lang: str, texts: dict[str, str]) -> int:
    bold = book.add_format({"bold": True, "bottom": 1})
    group = book.add_format({"bold": True, "align": "center", "bottom": 1, "left": 1})
    status_format = {s: book.add_format({"font_color": c}) for s, c in
                     (("pass", "#2E7D32"), ("fail", "#C62828"), ("unknown", "#B58105"), ("na", "#8A8F98"))}
    names = SHEETS[lang]
    sheet, summary_sheet, record_sheet = (book.add_worksheet(n) for n in names)
    data = ReportData(lang, Decimal(0), limit=0)
    conditions: list[str] = []
    fields: list[str] = []
    index = -1
    for index, (line_no, verdict, _) in enumerate(verdict_lines(verdicts)):
        if index == 0:
            fields = [d["field"] for d in verdict["outcome_details"]]
            labels = {n["id"]: n["label_zh" if lang == "zh" else "label_en"] for n, _ in walk(verdict["rules"])}
            conditions = [n["id"] for n, _ in walk(verdict["rules"]) if n["kind"] == "condition"]
            _set_created(book, record, verdict["as_of"])
            _header(sheet, fields, conditions, labels, texts, bold, group)
        if index >= MAX_ROWS:
            raise ClausewiseError.simple(str(verdicts), f"more than {MAX_ROWS:,} verdicts do not fit in a spreadsheet",
                                         "write .jsonl, .csv or .parquet for an audit this large")
        try:
            data.add(index, verdict, keep=False)
            _row(sheet, index + 2, verdict, fields, conditions, status_format)
        except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
            raise not_a_verdict(verdicts, line_no, f"{type(exc).__name__}: {exc}") from None
    sheet.freeze_panes(2, 1)
    if index >= 0:
        sheet.autofilter(1, 0, index + 2, 5 + len(fields) + 4 * len(conditions) - 1)
    _summary(summary_sheet, data, texts, bold)
    _record(record_sheet, record, texts, bold)
    return index + 1


def _set_created(book: Any, record: dict[str, Any] | None, as_of: str) -> None:
    """The document's creation time: the audit's (from the record), else the as-of day — never now."""
    created = None
    if record and record.get("generated_at"):
        created = dt.datetime.fromisoformat(record["generated_at"]).replace(tzinfo=None)
    book.set_properties({"created": created or dt.datetime.fromisoformat(as_of), "title": "clausewise audit"})


def _header(sheet: Any, fields: list[str], conditions: list[str], labels: dict[str, str], texts: dict[str, str],
            bold: Any, group: Any) -> None:
    first = ["entity", "as_of", "compliant", *fields, "failing_conditions", "missing_data"]
    base = len(first)
    for k, node in enumerate(conditions):  # row 0 before row 1: constant-memory mode writes rows in order
        sheet.merge_range(0, base + 4 * k, 0, base + 4 * k + 3, f"{node} — {labels.get(node, '')}", group)
    for col, name in enumerate(first):
        sheet.write(1, col, name, bold)
    for k in range(len(conditions)):
        for j, part in enumerate((texts["status"], texts["observed"], texts["bound"], texts["gap"])):
            sheet.write(1, base + 4 * k + j, part, bold)
    sheet.set_column(0, 0, 14)


def _row(sheet: Any, row: int, verdict: dict[str, Any], fields: list[str], conditions: list[str],
         status_format: dict[str, Any]) -> None:
    details = {d["field"]: d for d in verdict["outcome_details"]}
    compliant = verdict["compliant"]
    cells: list[Any] = [verdict["entity"], verdict["as_of"], "" if compliant is None else str(compliant).lower()]
    cells += [outcome_shown(details[f]) if f in details else "" for f in fields]
    cells += [";".join(reported_failing(verdict)), ";".join(verdict["missing_data"])]
    for col, value in enumerate(cells):
        sheet.write_string(row, col, value)
    nodes = {n["id"]: n for n, _ in walk(verdict["rules"])}
    col = len(cells)
    for node_id in conditions:
        node = nodes.get(node_id)
        if node is not None:
            status = node["status"]
            sheet.write_string(row, col, status, status_format[status])
            for j, value in enumerate((node["observed"], node["bound"])):
                shown = cell_value(value)
                if isinstance(shown, float):
                    sheet.write_number(row, col + 1 + j, shown)
                elif shown is not None:
                    sheet.write_string(row, col + 1 + j, shown)
            gap = node["gap"]
            if gap:
                sheet.write_string(row, col + 3, f"{gap['direction']} {gap['amount']}" + (f" ({gap['percent']})" if gap["percent"] else ""))
        col += 4


def _summary(sheet: Any, data: ReportData, texts: dict[str, str], bold: Any) -> None:
    rows: list[list[Any]] = [[texts["entities"], data.total]] + ([[texts["errors"], data.errors]] if data.errors else [])
    if data.head.get("effective_date"):  # the policy's source gives no effective date
        rows.append([texts["effective_not_stated"]])
    if data.has_compliance:
        rows.append([])
        rows += [[texts[k], data.compliance.get(k, 0)] for k in ("compliant", "not compliant", "undetermined")]
    for f, counts in data.outcomes.items():
        rows += [[], [f"{data.outcome_labels.get(f, f)} ({f})", texts["count"]]]
        rows += [[value, n] for value, n in sorted(counts.items())]
    rows += [[], [texts["condition"], "id", *(texts[s] for s in STATUSES)]]
    for info in data.nodes.values():
        rows.append(["  " * info["depth"] + info["label"], info["id"], *info["counts"]])
    sheet.set_column(0, 0, 48)
    sheet.set_column(1, 1, 30)
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            is_head = len(row) > 1 and isinstance(row[1], str) and row[1] in (texts["count"], "id")
            if isinstance(value, int):
                sheet.write_number(r, c, value)
            else:
                sheet.write_string(r, c, value, bold if is_head else None)


def _record(sheet: Any, record: dict[str, Any] | None, texts: dict[str, str], bold: Any) -> None:
    sheet.set_column(0, 0, 40)
    sheet.set_column(1, 1, 80)
    if record is None:
        sheet.write_string(0, 0, texts["no_record"])
        return
    for r, (key, value) in enumerate(flatten(record)):
        sheet.write_string(r, 0, key, bold if r == 0 else None)
        sheet.write_string(r, 1, value)


def flatten(value: Any, prefix: str = "") -> list[tuple[str, str]]:
    """A decision record as ``key.sub = text`` rows; data files by table name."""
    if isinstance(value, dict):
        return [row for k, v in value.items() for row in flatten(v, f"{prefix}.{k}" if prefix else str(k))]
    if isinstance(value, list):
        out = []
        for k, item in enumerate(value):
            name = item.get("table", k) if isinstance(item, dict) else k
            out += flatten(item, f"{prefix}.{name}")
        return out
    return [(prefix, value if isinstance(value, str) else json.dumps(value, ensure_ascii=False))]

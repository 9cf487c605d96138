"""``clausewise timeline``: one entity's outcomes on every day of a range, as spans."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from clausewise.cli.main import as_of_day, gather_params, main, user_errors
from clausewise.engine.policy import accounting_of, load_versions, shown_params
from clausewise.evaluate.params import resolve_params
from clausewise.language.diagnostics import ClausewiseError
from clausewise.report.records import csv_bytes


@main.command(name="timeline")
@click.argument("policy", type=click.Path())
@click.option("--data", "data", multiple=True, required=True, type=click.Path(),
              help="A directory of table files, or one table file (CSV, JSON Lines, Parquet). Repeatable.")
@click.option("--param", "param", multiple=True, metavar="NAME=VALUE", help="A parameter value. Repeatable.")
@click.option("--params", "params_file", type=click.Path(), default=None, help="A JSON file of parameter values.")
@click.option("--entity", required=True, help="The entity (a provider or shop id).")
@click.option("--from", "start", required=True, metavar="DATE", help="The first day, YYYY-MM-DD (or 'today').")
@click.option("--to", "end", required=True, metavar="DATE", help="The last day, YYYY-MM-DD or 'today' (included).")
@click.option("--lang", type=click.Choice(["en", "zh"]), default="en", show_default=True, help="Language of the labels.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "csv"]), default="text", show_default=True,
              help="text and json: spans of days with the same outcomes; csv: one row per day.")
@user_errors
def timeline_cmd(policy: str, data, param, params_file, entity: str, start: str, end: str, lang: str, fmt: str) -> None:
    """The outcomes of POLICY for one entity on every day from --from to --to: spans where they stay
    the same, what decided a non-compliance, and the conditions that changed at each boundary."""
    from clausewise.report.timeline import timeline_csv, timeline_json, timeline_text  # not loaded at CLI start-up

    first, last = as_of_day(start, "--from"), as_of_day(end, "--to")
    versions = load_versions([policy])
    loaded = versions.in_force_on(first)
    if versions.in_force_on(last) is not loaded:
        raise ClausewiseError.simple("--to", f"another version of policy {loaded.name} is in force on {last}",
                                     f"version {loaded.version} is in force from {first}; give a range within one version")
    (timeline,) = loaded.timeline(list(data), first, last, gather_params(param, params_file), entities=[entity])
    if fmt == "json":
        click.echo(timeline_json(timeline, lang))
    elif fmt == "csv":
        click.echo(timeline_csv(timeline), nl=False)
    else:
        click.echo(timeline_text(timeline, lang))
    errors = any(getattr(raw, "error", None) is not None for raw in timeline.days)
    sys.exit(3 if errors else 0 if all(raw.compliant in (True, None) for raw in timeline.days) else 1)


def audit_range(policy: str, data: tuple[str, ...], start: str, end: str | None, params: dict, out: str,
                workers: int = 1, time_limit: float | None = None, memory_limit: int | None = None,
                report_path: str | None = None, lang: str = "en") -> None:
    """``audit --from --to``: per entity, the days on which each outcome held, to ``out`` (.jsonl or .csv),
    a summary of entity-days per outcome value, a decision record beside ``out``, and with
    ``report_path`` the HTML report of both (:mod:`clausewise.report.rangehtml`)."""
    # imported here, not at CLI start-up: only a range audit uses them
    from clausewise.engine.timeline import range_audit
    from clausewise.report.rangehtml import RangeTotals, write_range_report
    from clausewise.report.timeline import RANGE_COLUMNS, range_decision_record, range_record, range_rows

    if end is None:
        raise ClausewiseError.simple("--to", "--from needs --to", "give the last day of the range: --to YYYY-MM-DD")
    if report_path is not None and Path(report_path).suffix != ".html":
        raise ClausewiseError.simple("--report", f"a range audit's report is .html, not '{Path(report_path).suffix}'",
                                     "give --report FILE.html")
    out_path = Path(out)
    if out_path.suffix not in (".jsonl", ".csv"):
        raise ClausewiseError.simple("--out", f"a range audit writes .jsonl or .csv, not '{out_path.suffix}'",
                                     "use .jsonl (one record per entity) or .csv (one row per entity, field and value)")
    first, last = as_of_day(start, "--from"), as_of_day(end, "--to")
    versions = load_versions([policy])
    loaded = versions.in_force_on(first)
    if versions.in_force_on(last) is not loaded:
        raise ClausewiseError.simple("--to", f"another version of policy {loaded.name} is in force on {last}",
                                     f"version {loaded.version} is in force from {first}; give a range within one version")
    loaded.check_in_force(first, last)
    tables = loaded.load_data(list(data))
    days = (last - first).days + 1
    totals = RangeTotals()
    csv_out = out_path.suffix == ".csv"

    def render(timeline: Any) -> tuple[dict, bytes]:  # in the worker: the entity's record and its lines
        record = range_record(timeline)
        text = csv_bytes(range_rows(timeline)) if csv_out else (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")
        return record, text

    partial = out_path.with_name(out_path.name + ".partial")
    out_path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with partial.open("wb") as f:
            if csv_out:
                f.write(csv_bytes([RANGE_COLUMNS]))
            for record, text in range_audit(loaded, tables, first, last, params, render, workers, time_limit,
                                            memory_limit, outcomes_only=True):
                f.write(text)
                totals.add(record)
        partial.replace(out_path)
    finally:
        partial.unlink(missing_ok=True)
    entities = totals.entities
    accounting, rejected = accounting_of(loaded.checked, tables, entities, entities)
    record_path = out_path.with_name(out_path.name + ".record.json")
    values, convention = resolve_params(loaded.checked, params, first)
    record = range_decision_record(loaded, first, last, shown_params(values, convention), accounting, rejected,
                                   [Path(p) for p in data], out_path)
    record_path.write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n", "utf-8")
    lines = [f"policy {loaded.name} {loaded.version}, {first}..{last} ({days} day{'s' if days != 1 else ''}): "
             f"{entities} entities, {entities * days} entity-days",
             f"rows: {accounting.rows_read} read = {accounting.rows_used} used + {accounting.rows_rejected} rejected",
             "days per outcome (entity-days, entities):"]
    for field_name in totals.values:
        shown = ", ".join(f"{value} {n} ({e})" for value, n, e in totals.ranked(field_name))
        lines.append(f"  {field_name}: {shown}")
    lines.append(f"days per entity: {out_path}\ndecision record: {record_path}")
    if report_path is not None:
        labels = {d.field: (d.decl.meta.labels.zh, d.decl.meta.labels.en) for d in loaded.plan.decides
                  if d.decl.meta.labels is not None}
        write_range_report(totals, record, labels, Path(report_path), lang)
        lines.append(f"report: {report_path}")
    click.echo("\n".join(lines))
    compliance = totals.values.get("compliant", {})
    sys.exit(3 if "error" in compliance else 1 if "false" in compliance or "undecided" in compliance else 0)

"""``clausewise timeline``: one entity's outcomes on every day of a range, as spans."""

from __future__ import annotations

import sys

import click

from clausewise.cli.main import gather_params, main, user_errors
from clausewise.engine.policy import load_versions, parse_day
from clausewise.language.diagnostics import ClausewiseError
from clausewise.report.timeline import timeline_csv, timeline_json, timeline_text


@main.command(name="timeline")
@click.argument("policy", type=click.Path())
@click.option("--data", "data", multiple=True, required=True, type=click.Path(),
              help="A directory of table files, or one table file (CSV, JSON Lines, Parquet). Repeatable.")
@click.option("--param", "param", multiple=True, metavar="NAME=VALUE", help="A parameter value. Repeatable.")
@click.option("--params", "params_file", type=click.Path(), default=None, help="A JSON file of parameter values.")
@click.option("--entity", required=True, help="The entity (a provider or shop id).")
@click.option("--from", "start", required=True, metavar="DATE", help="The first day, YYYY-MM-DD.")
@click.option("--to", "end", required=True, metavar="DATE", help="The last day, YYYY-MM-DD (included).")
@click.option("--lang", type=click.Choice(["en", "zh"]), default="en", show_default=True, help="Language of the labels.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "csv"]), default="text", show_default=True,
              help="text and json: spans of days with the same outcomes; csv: one row per day.")
@user_errors
def timeline_cmd(policy: str, data, param, params_file, entity: str, start: str, end: str, lang: str, fmt: str) -> None:
    """The outcomes of POLICY for one entity on every day from --from to --to: spans where they stay
    the same, what decided a non-compliance, and the conditions that changed at each boundary."""
    first, last = parse_day(start, "--from"), parse_day(end, "--to")
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

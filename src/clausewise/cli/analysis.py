"""The analysis commands: what-if, verify and diff (searches over the compiled program; see
:mod:`clausewise.analysis.whatif`, :mod:`clausewise.analysis.verify`, :mod:`clausewise.analysis.diff`)."""

from __future__ import annotations

import json
import shutil
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator, NoReturn

import click

from clausewise.cli.main import (
    as_of_day,
    evaluation_options,
    gather_params,
    known_params,
    limit_options,
    main,
    user_errors,
)
from clausewise.engine.policy import load_policy, load_versions
from clausewise.language.diagnostics import ClausewiseError


@main.command(name="what-if")
@click.argument("policy", type=click.Path())
@evaluation_options
@click.option("--entity", required=True, help="The entity (a provider or shop id).")
@click.option("--target", "targets", multiple=True, required=True, metavar="FIELD=VALUE",
              help="The outcome to reach, e.g. --target tier=silver or --target compliant=true. Repeatable.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@user_errors
def what_if_cmd(policy: str, data, as_of, param, params_file, time_limit, memory_limit, entity: str,
                targets: tuple[str, ...], fmt: str) -> None:
    """The smallest changes to ENTITY's figures that reach the target outcome (exit 1 if none)."""
    from clausewise.analysis.whatif import what_if
    from clausewise.engine.workers import run_limited  # multiprocessing: imported only when it is used

    day = as_of_day(as_of)
    loaded = load_versions([policy]).in_force_on(day)
    params = gather_params(param, params_file)

    def search() -> tuple[str, bool]:  # within the limits: in a child process when one is given
        result = what_if(loaded, list(data), entity, list(targets), day, params)
        return json.dumps(result.to_json(), indent=2, ensure_ascii=False) if fmt == "json" else result.render(), result.reachable

    text, reachable = run_limited(search, time_limit, memory_limit)
    click.echo(text)
    sys.exit(0 if reachable else 1)


@main.command(name="verify")
@click.argument("policy", type=click.Path())
@click.option("--as-of", "as_of", default=None,
              help="The day to analyse, YYYY-MM-DD or 'today' (default: the policy's first day in force; required when it states "
                   "none).")
@click.option("--param", "param", multiple=True, metavar="NAME=VALUE", help="A parameter value. Repeatable.")
@click.option("--params", "params_file", type=click.Path(), default=None, help="A JSON file of parameter values.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--witness-data", "witness_dir", type=click.Path(), default=None, metavar="DIR",
              help="Write each realized witness's rows to DIR/<n>/ (n: the finding's number), for explain.")
@click.option("--free-param", "free_params", multiple=True, metavar="NAME",
              help="Let the search choose this parameter's value too (around its default or given value). Repeatable.")
@limit_options
@user_errors
def verify_cmd(policy: str, as_of, param, params_file, fmt: str, witness_dir: str | None,
               free_params: tuple[str, ...], time_limit: float | None, memory_limit: int | None) -> None:
    """Search POLICY for overlapping clauses, gaps, shadowed clauses and conditions that never
    hold or never fail, each with a witness entity (exit 1 if there are findings)."""
    from clausewise.analysis.verify import verify
    from clausewise.analysis.witnessdata import check_directory

    if witness_dir is not None:
        check_directory(witness_dir)
    loaded = load_policy(policy)
    # without --as-of: the first day in force; a policy without an effective date has none (an error, never today)
    day = as_of_day(as_of) if as_of else None
    params = gather_params(param, params_file)

    def search() -> tuple[str, int]:  # within the limits: in a child process when one is given
        result = verify(loaded, day, params, free_params)
        if witness_dir is not None:
            result.write_data(witness_dir, loaded, policy)
        text = json.dumps(result.to_json(), indent=2, ensure_ascii=False) if fmt == "json" else result.render()
        return text, 1 if result.findings else 0

    _run_search(search, witness_dir, time_limit, memory_limit)


def _run_search(search: Callable[[], tuple[str, int]], witness_dir: str | None, time_limit: float | None,
                memory_limit: int | None) -> NoReturn:
    """Run a verify or diff search within the limits, print its text and exit with its code; a
    search stopped by a limit leaves no witness data behind."""
    from clausewise.engine.workers import run_limited  # multiprocessing: imported only when it is used

    with _nothing_partial(witness_dir):
        text, code = run_limited(search, time_limit, memory_limit)
    click.echo(text)
    sys.exit(code)


@contextmanager
def _nothing_partial(witness_dir: str | None) -> Iterator[None]:
    """A search that stops (a limit reached, an error) leaves no witness data behind: the
    directory (new or empty before, see ``check_directory``) is removed, or emptied if it existed."""
    existed = witness_dir is not None and Path(witness_dir).is_dir()
    try:
        yield
    except BaseException:
        if witness_dir is not None and Path(witness_dir).is_dir():
            root = Path(witness_dir)
            for child in ([*root.iterdir()] if existed else [root]):
                shutil.rmtree(child) if child.is_dir() else child.unlink()
        raise


@main.command(name="diff")
@click.argument("old", type=click.Path())
@click.argument("new", type=click.Path())
@click.option("--data", "data", multiple=True, type=click.Path(),
              help="Data to evaluate both versions on (a directory or table files). Without it: generated witnesses.")
@click.option("--as-of", "as_of", default=None,
              help="The evaluation day, YYYY-MM-DD or 'today': required with --data; without, default the later first day in force "
                   "of the two versions (required when neither states one).")
@click.option("--param", "param", multiple=True, metavar="NAME=VALUE", help="A parameter value. Repeatable.")
@click.option("--params", "params_file", type=click.Path(), default=None, help="A JSON file of parameter values.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--witness-data", "witness_dir", type=click.Path(), default=None, metavar="DIR",
              help="Without --data: write each realized witness's rows to DIR/<n>/ (n: the change's number), for explain.")
@click.option("--free-param", "free_params", multiple=True, metavar="NAME",
              help="Without --data: let the search choose this parameter's value too (around its default or given "
                   "value). Repeatable.")
@limit_options
@user_errors
def diff_cmd(old: str, new: str, data, as_of, param, params_file, fmt: str, witness_dir: str | None,
             free_params: tuple[str, ...], time_limit: float | None, memory_limit: int | None) -> None:
    """Compare two versions of a policy: with --data, the entities whose outcome changes and the
    conditions responsible; without, a witness entity for each kind of change (exit 1 if any change)."""
    from clausewise.analysis.diff import diff
    from clausewise.analysis.witnessdata import check_directory

    if witness_dir is not None and data:
        raise ClausewiseError.simple("--witness-data", "witness data are generated only without --data",
                                     "drop --data to search for witnesses, or --witness-data to compare on your data")
    if witness_dir is not None:
        check_directory(witness_dir)
    day = as_of_day(as_of) if as_of else None  # without it: an error with --data, else the versions' first day in force
    versions = load_policy(old), load_policy(new)
    params = gather_params(param, params_file)
    known_params(params, versions)

    def search() -> tuple[str, int]:  # within the limits: in a child process when one is given
        result = diff(*versions, list(data) or None, day, params, free_params)
        if witness_dir is not None:
            result.write_data(witness_dir, *versions, (old, new))
        text = json.dumps(result.to_json(), indent=2, ensure_ascii=False) if fmt == "json" else result.render()
        return text, 1 if result.changed else 0

    _run_search(search, witness_dir, time_limit, memory_limit)

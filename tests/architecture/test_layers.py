"""The package's layer rules (docs/architecture.md), checked on the source.

import-linter checks the contracts in pyproject.toml ([tool.importlinter]): each layer imports
only the layers below it, and only ``clausewise.asp`` imports clingo. The private-name rule is
checked here: no module imports a name another module keeps private (a leading underscore).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path


SRC = Path(__file__).resolve().parents[2] / "src" / "clausewise"
ROOT = SRC.parents[1]


def test_layer_contracts_hold() -> None:
    lint = Path(sys.executable).with_name("lint-imports")
    run = subprocess.run([str(lint), str(ROOT / "pyproject.toml")], cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "2 kept, 0 broken" in run.stdout, run.stdout


def _private_imports(path: Path) -> list[str]:
    found = []
    tree = ast.parse(path.read_text("utf-8"), str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("clausewise"):
            for alias in node.names:
                if alias.name.startswith("_") and not alias.name.startswith("__"):
                    found.append(f"{path.relative_to(SRC)}:{node.lineno}: {node.module}.{alias.name}")
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.attr.startswith("_") \
                and not node.attr.startswith("__") and node.value.id in _module_aliases(tree):
            found.append(f"{path.relative_to(SRC)}:{node.lineno}: {node.value.id}.{node.attr}")
    return found


def _module_aliases(tree: ast.Module) -> set[str]:
    """Local names bound to clausewise modules (``from clausewise.data import rows as data_mod``)."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("clausewise"):
            package = SRC.parent / node.module.replace(".", "/")
            for alias in node.names:
                if (package / f"{alias.name}.py").exists() or (package / alias.name).is_dir():
                    names.add(alias.asname or alias.name)
    return names


def test_no_module_imports_another_modules_private_names() -> None:
    found = [hit for path in sorted(SRC.rglob("*.py")) for hit in _private_imports(path)]
    assert not found, "private names used across modules:\n" + "\n".join(found)


def test_the_checker_sees_a_private_import(tmp_path: Path) -> None:
    """The private-name check is not vacuous: it finds both forms in a sample module."""
    sample = SRC / "_layer_probe_sample.py"
    try:
        sample.write_text("from clausewise.evaluate.measure import _hidden\nfrom clausewise.data import rows\nrows._x\n")
        assert len(_private_imports(sample)) == 2
    finally:
        sample.unlink()

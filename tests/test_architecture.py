"""The architecture as the README draws it, checked on the code itself."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import grimp

import nbprov

PACKAGE = Path(nbprov.__file__).parent
PYPROJECT = PACKAGE.parent / "pyproject.toml"


def test_import_linter_contracts_are_kept() -> None:
    # The contracts in pyproject.toml: layers (fronts -> runs -> core | kernel -> lineage ->
    # store -> render -> capture), no IPython/argparse/web below the fronts, no cycles.
    lint_imports = Path(sys.executable).parent / "lint-imports"  # import-linter's command
    done = subprocess.run(
        [str(lint_imports), "--config", str(PYPROJECT)],
        capture_output=True,
        text=True,
        cwd=PYPROJECT.parent,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


def test_no_module_is_part_of_an_import_cycle() -> None:
    # acyclic_siblings looks at packages; this looks at every module, type-only imports
    # left out (they do not run).
    graph = grimp.build_graph("nbprov", exclude_type_checking_imports=True)
    cycles = []
    for module in sorted(graph.modules):
        if module == "nbprov":  # the package's functions import the fronts they wrap
            continue
        for imported in graph.find_modules_directly_imported_by(module):
            if imported == "nbprov" or imported.startswith(module + "."):
                continue
            back = graph.find_shortest_chain(importer=imported, imported=module)
            if back is not None and "nbprov" not in back:
                cycles.append((module, *back))
    assert cycles == []


def test_no_part_is_looked_up_by_name() -> None:
    # Parts are imported, so that mypy sees every link and a missing one fails loudly.
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call):
                name = ast.unparse(node.func)
                if name in ("importlib.import_module", "import_module", "__import__"):
                    found.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert found == []


def test_the_version_is_the_one_pyproject_declares() -> None:
    declared = re.search(r'^version = "([^"]+)"', PYPROJECT.read_text(), re.M)
    assert declared is not None
    assert nbprov.__version__ == declared.group(1)

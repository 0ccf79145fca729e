"""The pipeline core keeps the fronts out: no module imports argparse or IPython (the
command and the magic live in nbprov.cli and nbprov.notebook); no module imports luigi
(only the generated luigi_tasks.py does), and the serializer copied into every package
imports nothing from nbprov."""

from __future__ import annotations

import ast
from pathlib import Path

import nbprov.core.pipeline

FOLDER = Path(nbprov.core.pipeline.__file__).parent
FRONT_ONLY = ("argparse", "IPython", "ipywidgets")


def imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            names.add(("." * node.level) + (node.module or ""))
    return names


def test_no_module_imports_a_front_or_luigi() -> None:
    for path in sorted(FOLDER.glob("*.py")):
        roots = {n.split(".")[0] for n in imported(path)}
        assert not roots & set(FRONT_ONLY), path.name
        assert "luigi" not in roots, path.name


def test_the_serializer_stands_alone() -> None:
    names = imported(FOLDER / "serializers.py")
    assert not any(n.startswith(".") or n.startswith("nbprov") for n in names)

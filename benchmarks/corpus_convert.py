"""Convert sphinx-gallery example scripts into notebooks for the corpus oracle.

A sphinx-gallery script is a module docstring followed by blocks separated by ``# %%``
lines. The docstring and each separated block's leading comment lines become markdown
cells; the code between them becomes code cells (the block before the first ``# %%``
is code as written, comments included, as sphinx-gallery renders it). Outputs are empty.

Usage::

    python benchmarks/corpus_convert.py OUT_DIR SCRIPT.py [SCRIPT.py ...]
    python benchmarks/corpus_convert.py OUT_DIR --git REPO --rev COMMIT examples/a/plot_x.py

With ``--git`` the scripts are read from that commit of the repository (``git show``), so
no work tree is needed. A notebook is named ``<folder>_<stem>.ipynb`` after the script's
parent folder and name.
"""

from __future__ import annotations

import argparse
import ast
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

SEPARATOR = re.compile(r"^# ?%%+(?P<title>.*)$")
COMMENT = re.compile(r"^#(?: (?P<text>.*)|(?P<empty>))$")


def _docstring_span(source: str) -> tuple[str | None, int]:
    """The module docstring and the number of lines it spans (0 when there is none)."""
    tree = ast.parse(source)
    if not tree.body:
        return None, 0
    first = tree.body[0]
    if (
        isinstance(first, ast.Expr)
        and isinstance(first.value, ast.Constant)
        and isinstance(first.value.value, str)
    ):
        return first.value.value, first.end_lineno or first.lineno
    return None, 0


def _strip_blank(lines: list[str]) -> list[str]:
    start, end = 0, len(lines)
    while start < end and not lines[start].strip():
        start += 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    return lines[start:end]


def split_blocks(source: str) -> list[tuple[str, str]]:
    """The script as (kind, text) cells, kind ``markdown`` or ``code``, in order."""
    doc, span = _docstring_span(source)
    lines = source.splitlines()[span:]
    cells: list[tuple[str, str]] = []
    if doc and doc.strip():
        cells.append(("markdown", doc.strip()))
    blocks: list[tuple[str, list[str]]] = [("", [])]  # (title, lines); first: no separator
    for line in lines:
        match = SEPARATOR.match(line)
        if match:
            blocks.append((match.group("title").strip(), []))
        else:
            blocks[-1][1].append(line)
    for i, (title, block) in enumerate(blocks):
        text: list[str] = [title] if title else []
        body = block
        if i > 0:  # a separated block opens with its text as comment lines
            j = 0
            while j < len(block) and COMMENT.match(block[j]):
                match = COMMENT.match(block[j])
                assert match is not None
                text.append(match.group("text") or "")
                j += 1
            body = block[j:]
        text = _strip_blank(text)
        if text:
            cells.append(("markdown", "\n".join(text)))
        code = _strip_blank([ln.rstrip() for ln in body])
        if code:
            cells.append(("code", "\n".join(code)))
    return cells


def to_notebook(source: str) -> Any:
    """An nbformat v4 notebook of the script (see the module docstring)."""
    cells = []
    for kind, text in split_blocks(source):
        if kind == "markdown":
            cells.append(new_markdown_cell(text))  # type: ignore[no-untyped-call]
        else:
            cells.append(new_code_cell(text))  # type: ignore[no-untyped-call]
    nb = new_notebook(cells=cells)  # type: ignore[no-untyped-call]
    nb.metadata["kernelspec"] = {
        "display_name": "Python 3",
        "language": "python",
        "name": "python3",
    }
    return nb


def notebook_name(script: str) -> str:
    path = Path(script)
    return f"{path.parent.name}_{path.stem}.ipynb" if path.parent.name else f"{path.stem}.ipynb"


def _read(script: str, repo: str | None, rev: str) -> str:
    if repo is None:
        return Path(script).read_text(encoding="utf-8")
    return subprocess.run(
        ["git", "-C", repo, "show", f"{rev}:{script}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="sphinx-gallery scripts → notebooks")
    parser.add_argument("out", type=Path, help="folder for the notebooks")
    parser.add_argument("scripts", nargs="+", help="the example scripts")
    parser.add_argument("--git", metavar="REPO", help="read the scripts from this repository")
    parser.add_argument("--rev", default="HEAD", help="the commit to read (with --git)")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for script in args.scripts:
        nb = to_notebook(_read(script, args.git, args.rev))
        target = args.out / notebook_name(script)
        nbformat.write(nb, target)  # type: ignore[no-untyped-call]
        code = sum(1 for c in nb.cells if c.cell_type == "code")
        print(f"{target}: {len(nb.cells)} cells, {code} code", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

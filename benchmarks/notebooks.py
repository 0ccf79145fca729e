"""The benchmark notebooks, generated at run time so that nothing large is committed.

Each builder returns an ``nbformat`` notebook without nbprov in it; the benchmark decides
whether the kernel loads nbprov. The demo notebooks are taken from ``demo_notebooks/``,
and :func:`strip_nbprov` gives their plain-IPython twin.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import nbformat
from nbformat.v4 import new_code_cell, new_notebook

REPO = Path(__file__).resolve().parent.parent
DEMO_DIR = REPO / "demo_notebooks"

NBPROV_MAGIC = re.compile(r"^\s*%(?:load_ext\s+nbprov|tag|tag_var)\b.*$")


def _notebook(sources: list[str]) -> Any:
    cells = [new_code_cell(s) for s in sources]  # type: ignore[no-untyped-call]
    nb = new_notebook(cells=cells)  # type: ignore[no-untyped-call]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    return nb


def tiny_cells(count: int = 300) -> Any:
    """*count* one-line cells: assignments, small arithmetic, displayed expressions."""
    sources = []
    for i in range(count):
        kind = i % 3
        if kind == 0:
            sources.append(f"a{i} = {i}")
        elif kind == 1:
            sources.append(f"x = a{i - 1} * 2 + 1")
        else:
            sources.append("x")
    return _notebook(sources)


def loops() -> Any:
    """Pure-Python loops of a few hundred thousand iterations and a recursive function."""
    return _notebook(
        [
            "total = 0\nfor i in range(400_000):\n    total += i % 7",
            "def fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)\n\nfib_27 = fib(27)",
            "squares = [i * i for i in range(300_000)]\n"
            "evens = {i: s for i, s in enumerate(squares) if s % 2 == 0}",
            "def collatz(n):\n"
            "    steps = 0\n"
            "    while n != 1:\n"
            "        n = n // 2 if n % 2 == 0 else 3 * n + 1\n"
            "        steps += 1\n"
            "    return steps\n\n"
            "longest = max(range(1, 50_000), key=collatz)",
            "counts = {}\n"
            "for i in range(300_000):\n"
            "    word = 'w' + str(i % 1000)\n"
            "    counts[word] = counts.get(word, 0) + 1",
            "class Point:\n"
            "    def __init__(self, x, y):\n"
            "        self.x, self.y = x, y\n\n"
            "    def norm2(self):\n"
            "        return self.x * self.x + self.y * self.y\n\n"
            "points = [Point(i, -i) for i in range(200_000)]\n"
            "far = sum(1 for p in points if p.norm2() > 10_000)",
            "print(total, fib_27, len(evens), longest, len(counts), far)",
        ]
    )


def pandas_million() -> Any:
    """pandas on a million generated rows: derive, group, merge, sort, pivot, describe."""
    return _notebook(
        [
            "import numpy as np\nimport pandas as pd",
            "rng = np.random.default_rng(0)\n"
            "n = 1_000_000\n"
            "df = pd.DataFrame({\n"
            "    'key': rng.integers(0, 1000, n),\n"
            "    'group': rng.choice(list('abcdef'), n),\n"
            "    'x': rng.normal(size=n),\n"
            "    'y': rng.random(n),\n"
            "})",
            "df['z'] = df['x'] * 2 + df['y']",
            "agg = (\n"
            "    df.groupby(['group', 'key'])\n"
            "    .agg(x_mean=('x', 'mean'), y_sum=('y', 'sum'))\n"
            "    .reset_index()\n"
            ")",
            "merged = df.merge(agg, on=['group', 'key'], how='left')",
            "top = merged.sort_values('z').tail(10)\ntop",
            "pivot = df.pivot_table(index='group', columns=df['key'] % 10, values='y', "
            "aggfunc='mean')",
            "df.describe()",
            "counts = df['group'].str.upper().value_counts()\nprint(counts.to_dict())",
        ]
    )


def load_only() -> Any:
    """One ``%load_ext nbprov`` cell: the one-off cost of starting a trial."""
    return _notebook(["%load_ext nbprov"])


def strip_nbprov(nb: Any) -> Any:
    """A copy of *nb* with nbprov's magic lines removed (an emptied cell becomes ``pass``)."""
    copy = nbformat.from_dict(nb)  # type: ignore[no-untyped-call]
    for cell in copy.cells:
        if cell.cell_type != "code":
            continue
        lines = [ln for ln in cell.source.splitlines() if not NBPROV_MAGIC.match(ln)]
        cell.source = "\n".join(lines) if any(ln.strip() for ln in lines) else "pass"
    return copy


def demo(name: str) -> Callable[[], Any]:
    def build() -> Any:
        return nbformat.read(DEMO_DIR / f"{name}.ipynb", as_version=4)  # type: ignore[no-untyped-call]

    build.__doc__ = f"The demo notebook {name}.ipynb, with its nbprov magics."
    return build


#: Benchmark name -> (builder, kind). "heavy" notebooks have the 1.03x target,
#: "tiny" the 1.05x one.
NOTEBOOKS: dict[str, tuple[Callable[[], Any], str]] = {
    "tiny_300": (tiny_cells, "tiny"),
    "loops": (loops, "heavy"),
    "pandas_1m": (pandas_million, "heavy"),
    "demo_diabetes": (demo("diabetes_ridge"), "heavy"),
    "demo_breast_cancer": (demo("breast_cancer_logreg"), "heavy"),
    "demo_wine": (demo("wine_forest"), "heavy"),
}

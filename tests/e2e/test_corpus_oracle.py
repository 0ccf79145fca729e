"""The corpus oracle (benchmarks/corpus.py) on three small gallery notebooks: nbprov changes
no output, records every cell, and each variable's script recomputes its value."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("matplotlib")
pytest.importorskip("sklearn")

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))

import corpus  # noqa: E402
from corpus_checker import Checker  # noqa: E402
from corpus_convert import split_blocks  # noqa: E402

pytestmark = pytest.mark.timeout(600)

CORPUS = ROOT / "benchmarks" / "corpus" / "sklearn-gallery-extra"
SUBSET = [
    "linear_model_plot_ols.ipynb",
    "linear_model_plot_nnls.ipynb",
    "miscellaneous_plot_isotonic_regression.ipynb",
]


@pytest.fixture(scope="module")
def checker() -> Iterator[Checker]:
    running = Checker()
    yield running
    running.close()


def options(**overrides: Any) -> argparse.Namespace:
    values = {"max_vars": 0, "check_budget": 120, "script_timeout": 60, "cell_timeout": 120}
    return argparse.Namespace(**{**values, **overrides})


def test_normalises_only_addresses_and_durations() -> None:
    assert corpus.normalise("<Line2D at 0x7f3a2b1c9d90>") == "<Line2D at 0x?>"
    assert (
        corpus.normalise("fit in 0.123s, predict 4 ms") == "fit in <duration>, predict <duration>"
    )
    assert corpus.normalise("R2 = 0.52, 3 clusters") == "R2 = 0.52, 3 clusters"


def test_gallery_script_split_into_cells() -> None:
    script = (
        '"""\nTitle\n=====\n\nWhat it shows.\n"""\n\n# Authors: someone\n\n'
        "import math\n\n# %%\n# Section\n# -------\n#\n# Some text.\nx = math.pi\n"
        "# a comment that stays\ny = x\n\n# %%\nz = y\n"
    )
    assert split_blocks(script) == [
        ("markdown", "Title\n=====\n\nWhat it shows."),
        ("code", "# Authors: someone\n\nimport math"),
        ("markdown", "Section\n-------\n\nSome text."),
        ("code", "x = math.pi\n# a comment that stays\ny = x"),
        ("code", "z = y"),
    ]


@pytest.mark.parametrize("name", SUBSET)
def test_oracle(name: str, checker: Checker) -> None:
    report = corpus.run_notebook(CORPUS / name, options(), checker)
    assert report.failure is None
    assert report.changed == [], f"outputs changed in code cells {report.changed}"
    assert report.executed == report.code_cells
    assert report.activations == report.executed
    assert report.variables, "the notebook leaves variables to check"
    unsound = [
        (v.name, v.error) for v in report.variables if not (v.sound or v.unstable or v.uncheckable)
    ]
    assert not unsound

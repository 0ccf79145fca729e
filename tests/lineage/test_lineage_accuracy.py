"""The lineage accuracy suite: each case runs in a real shell with nbprov loaded, then the
target's slice is read back from the store and compared with the expected cells.

The run prints the suite's precision and recall over cell memberships (known misses
included) in pytest's terminal summary.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from IPython.core.interactiveshell import InteractiveShell
from lineage_cases import CASES, Case
from support import shell_recording_into, slice_of_cells


@dataclass(eq=False)
class _Tally:
    """Predicted against expected slices, case by case."""

    results: dict[str, tuple[frozenset[int], frozenset[int]]] = field(default_factory=dict)

    def figures(self) -> tuple[float, float, int, int, int]:
        tp = fp = fn = 0
        for predicted, expected in self.results.values():
            tp += len(predicted & expected)
            fp += len(predicted - expected)
            fn += len(expected - predicted)
        precision = tp / (tp + fp) if tp + fp else 1.0
        recall = tp / (tp + fn) if tp + fn else 1.0
        return precision, recall, tp, fp, fn

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if not self.results:
            return
        precision, recall, tp, fp, fn = self.figures()
        exact = sum(p == e for p, e in self.results.values())
        terminalreporter.write_sep("=", "nbprov lineage accuracy")
        terminalreporter.write_line(
            f"{len(self.results)} cases, {exact} exact; cells: {tp} right, {fp} extra, {fn} missing"
        )
        terminalreporter.write_line(f"precision {precision:.3f}  recall {recall:.3f}")


_TALLY = _Tally()


@pytest.fixture(scope="module")
def traced_shell(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[InteractiveShell]:
    manager = request.config.pluginmanager
    if not manager.is_registered(_TALLY):
        manager.register(_TALLY, "nbprov-lineage-accuracy")
    with shell_recording_into(tmp_path_factory.mktemp("lineage")) as shell:
        yield shell


def predicted_slice(shell: InteractiveShell, case: Case, tmp: Path) -> frozenset[int]:
    """Run the case's cells as a new trial and return the cell indices of the slice."""
    path = repr(str(tmp / "data.txt"))
    return slice_of_cells(
        shell, case.id, case.cells, case.target, lambda cell, _: cell.replace("PATH", path)
    )


def _param(case: Case) -> Any:
    marks = [pytest.mark.xfail(reason=case.miss, strict=True)] if case.miss else []
    return pytest.param(case, id=case.id, marks=marks)


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_slice(traced_shell: InteractiveShell, case: Case, tmp_path: Path) -> None:
    predicted = predicted_slice(traced_shell, case, tmp_path)
    _TALLY.results[case.id] = (predicted, case.expected)
    assert sorted(predicted) == sorted(case.expected)


def test_suite_size_and_coverage() -> None:
    categories = {c.category for c in CASES}
    assert len(CASES) >= 60
    assert len({c.id for c in CASES}) == len(CASES)
    assert {
        "rebinding",
        "re-execution",
        "functions",
        "classes",
        "closures",
        "lists",
        "dicts",
        "sets",
        "ndarrays",
        "dataframes",
        "aliases",
        "attributes",
        "del",
        "augmented",
        "loops",
        "branches",
        "comprehensions",
        "imports",
        "magics",
        "exec",
        "setattr",
        "random",
        "generators",
        "files",
        "errors",
        "pure",
    } <= categories

"""Lineage by category of Python semantics (parts of objects, class and module
attributes, dispatch, lazy values, output history, closures, star imports, caught
NameErrors, pipelines, flow-sensitive reads).

Each case runs as its own trial in a real shell with nbprov loaded; the target's slice is
read back from the store. The run prints each category's exact slices, precision and
recall over cell memberships (known misses included) in pytest's terminal summary.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from IPython.core.interactiveshell import InteractiveShell
from lineage_cases import Case
from lineage_category_cases import CASES
from support import shell_recording_into, slice_of_cells

_OUT = re.compile(r"OUT\((\d+)\)")


@dataclass(eq=False)
class _Tally:
    """Predicted against expected slices, by category."""

    results: dict[str, tuple[str, frozenset[int], frozenset[int]]] = field(default_factory=dict)

    def figures(self, category: str | None = None) -> tuple[int, int, float, float]:
        tp = fp = fn = exact = n = 0
        for cat, predicted, expected in self.results.values():
            if category is not None and cat != category:
                continue
            n += 1
            exact += predicted == expected
            tp += len(predicted & expected)
            fp += len(predicted - expected)
            fn += len(expected - predicted)
        precision = tp / (tp + fp) if tp + fp else 1.0
        recall = tp / (tp + fn) if tp + fn else 1.0
        return n, exact, precision, recall

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if not self.results:
            return
        terminalreporter.write_sep("=", "nbprov lineage by category")
        categories = dict.fromkeys(cat for cat, _, _ in self.results.values())
        for cat in [*categories, None]:
            n, exact, precision, recall = self.figures(cat)
            label = cat or "all"
            terminalreporter.write_line(
                f"{label:<20} {exact:>3}/{n:<3} exact"
                f"  precision {precision:.3f}  recall {recall:.3f}"
            )


_TALLY = _Tally()


@pytest.fixture(scope="module")
def traced_shell(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[InteractiveShell]:
    manager = request.config.pluginmanager
    if not manager.is_registered(_TALLY):
        manager.register(_TALLY, "nbprov-lineage-categories")
    with shell_recording_into(tmp_path_factory.mktemp("categories")) as shell:
        yield shell


def predicted_slice(shell: InteractiveShell, case: Case, tmp: Path) -> frozenset[int]:
    """Run the case's cells as a new trial and return the cell indices of the slice."""
    path = repr(str(tmp / "data.txt"))

    def rewrite(cell: str, first: int) -> str:
        return _OUT.sub(lambda m: str(first + int(m.group(1))), cell).replace("PATH", path)

    return slice_of_cells(shell, case.id, case.cells, case.target, rewrite)


def _param(case: Case) -> Any:
    marks = [pytest.mark.xfail(reason=case.miss, strict=True)] if case.miss else []
    return pytest.param(case, id=case.id, marks=marks)


def _group(category: str) -> list[Any]:
    return [_param(c) for c in CASES if c.category == category]


def _check(shell: InteractiveShell, case: Case, tmp: Path) -> None:
    predicted = predicted_slice(shell, case, tmp)
    _TALLY.results[case.id] = (case.category, predicted, case.expected)
    assert sorted(predicted) == sorted(case.expected)


@pytest.mark.parametrize("case", _group("parts"))
def test_parts_of_objects(traced_shell: InteractiveShell, case: Case, tmp_path: Path) -> None:
    _check(traced_shell, case, tmp_path)


@pytest.mark.parametrize("case", _group("class-module-attrs"))
def test_class_and_module_attributes(
    traced_shell: InteractiveShell, case: Case, tmp_path: Path
) -> None:
    _check(traced_shell, case, tmp_path)


@pytest.mark.parametrize("case", _group("dispatch"))
def test_dispatch_and_per_call_globals(
    traced_shell: InteractiveShell, case: Case, tmp_path: Path
) -> None:
    _check(traced_shell, case, tmp_path)


@pytest.mark.parametrize("case", _group("lazy"))
def test_lazy_values(traced_shell: InteractiveShell, case: Case, tmp_path: Path) -> None:
    _check(traced_shell, case, tmp_path)


@pytest.mark.parametrize("case", _group("history"))
def test_output_history(traced_shell: InteractiveShell, case: Case, tmp_path: Path) -> None:
    _check(traced_shell, case, tmp_path)


@pytest.mark.parametrize("case", _group("nonlocal"))
def test_nonlocal_closures(traced_shell: InteractiveShell, case: Case, tmp_path: Path) -> None:
    _check(traced_shell, case, tmp_path)


@pytest.mark.parametrize("case", _group("star-import"))
def test_star_imports(traced_shell: InteractiveShell, case: Case, tmp_path: Path) -> None:
    _check(traced_shell, case, tmp_path)


@pytest.mark.parametrize("case", _group("name-error"))
def test_caught_name_errors(traced_shell: InteractiveShell, case: Case, tmp_path: Path) -> None:
    _check(traced_shell, case, tmp_path)


@pytest.mark.parametrize("case", _group("pipeline"))
def test_fitted_pipelines(traced_shell: InteractiveShell, case: Case, tmp_path: Path) -> None:
    _check(traced_shell, case, tmp_path)


@pytest.mark.parametrize("case", _group("flow-sensitive"))
def test_flow_sensitive_reads(traced_shell: InteractiveShell, case: Case, tmp_path: Path) -> None:
    _check(traced_shell, case, tmp_path)


def test_every_case_has_a_group() -> None:
    groups = {
        "parts",
        "class-module-attrs",
        "dispatch",
        "lazy",
        "history",
        "nonlocal",
        "star-import",
        "name-error",
        "pipeline",
        "flow-sensitive",
    }
    assert {c.category for c in CASES} == groups
    assert len({c.id for c in CASES}) == len(CASES)

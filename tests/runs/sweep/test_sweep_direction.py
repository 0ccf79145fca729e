"""A search whose --direction is not given optimises its metric the way the notebook
tags it (``%tag_var loss metric --min``): its own cells first, then its recorded trials,
else it maximises."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from IPython.core.interactiveshell import InteractiveShell
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook
from support import flush, run

from nbprov.runs.sweep.direction import declared_direction, default_direction, recorded_direction


def write_notebook(path: Path, *cells: str) -> Path:
    nb = new_notebook(
        cells=[new_markdown_cell("%tag_var loss metric --max"), *map(new_code_cell, cells)]
    )
    nbformat.write(nb, path)
    return path


def test_the_notebooks_own_tag_line(tmp_path: Path) -> None:
    nb = write_notebook(
        tmp_path / "exp.ipynb",
        "x = 1\n%tag_var loss metric --min\n%tag_var r2 metric",
        "  %tag_var cost --max metric\n%tag_var acc hyperparam --max",
        "%tag_var 'broken metric --max",
    )
    assert declared_direction(nb, "loss") == "min"  # markdown says nothing
    assert declared_direction(nb, "cost") == "max"  # a flag anywhere on the line
    assert declared_direction(nb, "r2") is None  # tagged without a flag
    assert declared_direction(nb, "acc") is None  # not a metric
    assert declared_direction(nb, "missing") is None
    # The last tag of the metric is the one a run ends with.
    later = write_notebook(
        tmp_path / "later.ipynb", "%tag_var loss metric --min", "%tag_var loss metric --max"
    )
    assert declared_direction(later, "loss") == "max"


def test_the_recorded_trials_tags(
    bare_shell: InteractiveShell, store_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    notebook = "/work/exp.ipynb"
    db = str(store_path)
    assert recorded_direction(db, notebook, "loss") is None  # no store yet
    monkeypatch.setenv("NBPROV_NOTEBOOK", notebook)
    run(bare_shell, "%load_ext nbprov")
    run(bare_shell, "%tag_var loss metric --min\n%tag_var r2 metric\n%tag_var cost metric --max")
    flush(bare_shell)
    assert recorded_direction(db, notebook, "loss") == "min"
    assert recorded_direction(db, notebook, "cost") == "max"  # the tag, not the name
    # Not tagged with a direction: the search keeps its own default rather than a guess.
    assert recorded_direction(db, notebook, "r2") is None
    assert recorded_direction(db, notebook, "missing") is None
    # Another notebook's tags say nothing about this one.
    assert recorded_direction(db, "/work/other.ipynb", "loss") is None


def test_the_notebook_then_its_trials_then_max(
    bare_shell: InteractiveShell, store_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    nb = write_notebook(tmp_path / "exp.ipynb", "%tag_var loss metric --max\n%tag_var r2 metric")
    monkeypatch.setenv("NBPROV_NOTEBOOK", str(nb.resolve()))
    run(bare_shell, "%load_ext nbprov")
    run(bare_shell, "%tag_var loss metric --min\n%tag_var r2 metric --min")
    flush(bare_shell)
    db = str(store_path)
    assert default_direction(db, nb, "loss") == "max"  # the notebook as it is now
    assert default_direction(db, nb, "r2") == "min"  # its cells say nothing: its trials
    assert default_direction(db, nb, "error") == "max"  # nothing says: maximise as before

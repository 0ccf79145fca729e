"""A search whose --direction is not given optimises its metric the way the notebook's
recorded trials tag it (``%tag_var loss metric --min``), else maximises."""

from __future__ import annotations

from pathlib import Path

import pytest
from IPython.core.interactiveshell import InteractiveShell
from support import flush, run

from nbprov.runs.sweep.search import _tagged_direction


def test_the_direction_comes_from_the_notebooks_tags(
    bare_shell: InteractiveShell, store_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    notebook = "/work/exp.ipynb"
    assert _tagged_direction(str(store_path), notebook, "loss") is None  # no store yet
    monkeypatch.setenv("NBPROV_NOTEBOOK", notebook)
    run(bare_shell, "%load_ext nbprov")
    run(bare_shell, "%tag_var loss metric --min\n%tag_var r2 metric\n%tag_var cost metric --max")
    flush(bare_shell)
    db = str(store_path)
    assert _tagged_direction(db, notebook, "loss") == "min"
    assert _tagged_direction(db, notebook, "cost") == "max"  # the tag, not the name
    # Untagged direction: the search keeps its own default rather than a guess.
    assert _tagged_direction(db, notebook, "r2") is None
    assert _tagged_direction(db, notebook, "missing") is None
    # Another notebook's tags say nothing about this one.
    assert _tagged_direction(db, "/work/other.ipynb", "loss") is None

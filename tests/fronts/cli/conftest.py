"""What the command-line tests share: a small recorded store, copied for each test."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from bad_input import record_two_trials


@pytest.fixture(scope="module")
def small_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Two recorded trials of a three-cell notebook (a metric m, a hyperparameter a)."""
    path = tmp_path_factory.mktemp("cli") / "base.db"
    record_two_trials(path)
    yield path


@pytest.fixture
def db(small_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A copy of the small store; the working directory is a fresh folder."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NBPROV_DB", raising=False)
    copy = tmp_path / "store.db"
    shutil.copy(small_store, copy)
    return str(copy)

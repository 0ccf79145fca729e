"""The trials listing read without SQLAlchemy says what the full path says.

Crafted rows are covered with the other hostile stores (test_hostile_store.py); here the
stores are recorded by a real shell, with values of every kind.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from support import close_shell, flush, new_shell, run

from nbprov.store import open_store, quick_listing
from nbprov.store.queries import list_trials

CELLS = [
    "%tag_var C hyperparam\n%tag_var score metric\n%tag_var note metric\n%tag_var never metric",
    "C = 0.1\nscore = float('nan')",
    "note = {'text': 'héllo ✓', 'big': 2**80, 'inf': float('inf'), 'none': None}",
    "C = None\nscore = [1, 2.5, -3]",
    "%trial new second",
    "C = 10 ** 30\nscore = 0.75",
]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    path = tmp_path_factory.mktemp("quick") / "store.db"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("NBPROV_DB", str(path))
        mp.setenv("NBPROV_NOTEBOOK", "/work/notebooks/experiment.ipynb")
        shell = new_shell()
        try:
            run(shell, "%load_ext nbprov")
            for cell in CELLS:
                run(shell, cell)
            flush(shell)
        finally:
            close_shell(shell)
    yield path


def full(path: Path, **options: object) -> list[dict[str, object]]:
    with open_store(path) as opened, opened.session() as session:
        return list_trials(session, **options)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"limit": 1},
        {"limit": 0},
        {"notebook": "/work/notebooks/experiment.ipynb"},
        {"notebook": "/elsewhere.ipynb"},
    ],
)
@pytest.mark.parametrize("as_url", [False, True])
def test_it_answers_and_agrees_on_a_recorded_store(
    store: Path, options: dict[str, object], as_url: bool
) -> None:
    db = f"sqlite:///{store}" if as_url else store
    quick = quick_listing.list_trials(db, **options)  # type: ignore[arg-type]
    assert quick is not None, "the quick listing stood aside on a plain recorded store"
    assert quick == full(store, **options)


def test_the_listing_holds_what_was_recorded(store: Path) -> None:
    listing = quick_listing.list_trials(store)
    assert listing is not None
    first, second = listing
    assert second["name"] == "second"
    assert first["hyperparams"] == {"C": None}
    assert second["hyperparams"] == {"C": 10**30}
    assert first["metrics"]["score"] == [1, 2.5, -3]
    assert str(2**80) in first["metrics"]["note"]["repr"]  # a dict is kept as its summary
    assert first["metrics"]["never"] is None  # tagged, never bound


def test_it_stands_aside_for_what_it_does_not_read(tmp_path: Path) -> None:
    assert quick_listing.list_trials(tmp_path / "missing.db") is None
    assert quick_listing.list_trials("postgresql://user@host/db") is None
    assert quick_listing.list_trials(f"sqlite:///{tmp_path}/x.db?mode=ro") is None
    assert quick_listing.list_trials("sqlite:///:memory:") is None
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")
    assert quick_listing.list_trials(empty) is None  # no schema: the full path says so


def test_nbprov_trials_does_not_load_sqlalchemy(store: Path) -> None:
    probe = (
        "import sys\n"
        "from nbprov.cli.main import main\n"
        f"code = main(['trials', '--db', {str(store)!r}])\n"
        "assert 'sqlalchemy' not in sys.modules, 'SQLAlchemy was imported'\n"
        "sys.exit(code)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "second" in done.stdout

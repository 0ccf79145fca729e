"""Every human output of the ``nbprov`` command fits an 80-column terminal, on the store
the demo notebooks make (run once, in real kernels, from a folder with a long path)."""

from __future__ import annotations

import contextlib
import io
import itertools
import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from support import subprocess_env

from nbprov.cli.demo import demo_notebooks
from nbprov.cli.main import main

pytestmark = pytest.mark.timeout(300)

WIDTH = 80


class Terminal(io.StringIO):
    """Captured output that says it is a terminal, so the width comes from COLUMNS."""

    def isatty(self) -> bool:
        return True


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    """The demo's store, and what ``nbprov demo`` printed."""
    work = tmp_path_factory.mktemp("width")
    # A long folder: the notebook line of ``show`` must still fit.
    folder = work / "experiments-of-a-team-that-names-its-folders-at-length" / "notebooks"
    folder.mkdir(parents=True)
    for path in demo_notebooks():
        shutil.copy(path, folder / path.name)
    db = work / "store.db"
    env = {**subprocess_env(), "COLUMNS": str(WIDTH)}
    proc = subprocess.run(
        [sys.executable, "-m", "nbprov", "demo", "--db", str(db), "--notebooks", str(folder)],
        cwd=work,
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    yield db, proc.stdout


def run_80(argv: list[str], cwd: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str, str]:
    monkeypatch.setenv("COLUMNS", str(WIDTH))
    monkeypatch.chdir(cwd)
    out, err = Terminal(), Terminal()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:  # --help
            code = exc.code if isinstance(exc.code, int) else 0
    return code, out.getvalue(), err.getvalue()


def too_wide(text: str) -> list[str]:
    return [line for line in text.splitlines() if len(line) > WIDTH]


def commands(db: Path) -> list[list[str]]:
    """Every command, every human format, every tagged variable of every demo trial."""
    listing = json.loads(io_json(["trials", "--format", "json", "--db", str(db)]))
    ids = [str(t["id"]) for t in listing]
    out: list[list[str]] = [["--help"]]
    out += [[name, "--help"] for name in ("trials", "show", "deps", "compare", "scriptify")]
    out += [[name, "--help"] for name in ("run", "export", "demo")]
    out += [["trials"], ["trials", "--sort-by=-trial.id", "--limit", "2"]]
    out += [["trials", "--filter", "accuracy > 0.5"]]
    for trial in listing:
        tid = str(trial["id"])
        out.append(["show", tid])
        for name in [*trial["hyperparams"], *trial["metrics"]]:
            out.append(["deps", tid, name])
            out.append(["deps", tid, name, "--depth", "2"])
    out.append(["scriptify", ids[0], next(iter(listing[0]["metrics"])), "-o", "script.py"])
    out.append(["export", ids[0], "-o", "trial.json"])
    for first, second in itertools.combinations(listing, 2):
        pair = [str(first["id"]), str(second["id"])]
        out.append(["compare", *pair])
        out.append(["compare", *pair, "--all", "--code"])
        for metric in sorted(set(first["metrics"]) & set(second["metrics"]))[:1]:
            out.append(["compare", *pair, "--why", metric])
    out.append(["compare", *ids])
    out.append(["show", "no-such-trial"])
    return [[*argv, "--db", str(db)] if "--help" not in argv else argv for argv in out]


def io_json(argv: list[str]) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(argv) == 0
    return out.getvalue()


def test_the_demo_itself_fits(demo_store: tuple[Path, str]) -> None:
    _, printed = demo_store
    assert printed.strip()
    assert too_wide(printed) == []


def test_every_command_fits_80_columns(
    demo_store: tuple[Path, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db, _ = demo_store
    wide: dict[str, list[str]] = {}
    argvs = commands(db)
    assert len(argvs) > 40
    assert any("--why" in argv for argv in argvs)
    for argv in argvs:
        code, out, err = run_80(argv, tmp_path, monkeypatch)
        assert code in (0, 2), (argv, err)
        lines = too_wide(out) + too_wide(err)
        if lines:
            wide[" ".join(argv[:4])] = lines
    assert wide == {}

"""Shared by the bad-input tests: the ``nbprov`` command run in-process, and what counts as
a raw terminal control character."""

from __future__ import annotations

import contextlib
import io
import traceback
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pytest
from support import close_shell, flush, new_shell, run

from nbprov.cli.main import main

# Characters that reorder or hide text on a terminal without being Unicode controls.
_BIDI = {chr(c) for c in [*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x061C, 0x200E, 0x200F]}


def raw_controls(text: str) -> list[str]:
    """The characters in ``text`` a terminal would act on (newlines are fine)."""
    return [ch for ch in text if (unicodedata.category(ch) == "Cc" and ch != "\n") or ch in _BIDI]


@dataclass
class Outcome:
    code: int
    out: str
    err: str


def run_cli(argv: list[str]) -> Outcome:
    """``nbprov ARGV`` in this process. An exception escaping ``main`` fails the test with
    its traceback: that is exactly what a user would have seen."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse: --help (0) and bad arguments (2)
            code = exc.code if isinstance(exc.code, int) else 0 if exc.code is None else 2
        except BaseException:
            pytest.fail(f"nbprov {argv!r} raised:\n{traceback.format_exc()}")
    return Outcome(code, out.getvalue(), err.getvalue())


def assert_clean_failure(outcome: Outcome, argv: list[str]) -> None:
    """What every command must do with any input: an exit status in {0, 1, 2}, no
    traceback, no internal error, and a failure said in one line."""
    assert outcome.code in (0, 1, 2), (argv, outcome)
    assert "Traceback" not in outcome.err, (argv, outcome.err)
    assert "internal error" not in outcome.err, (argv, outcome.err)
    if outcome.code == 2:
        lines = outcome.err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("nbprov"), (argv, outcome.err)


def record_two_trials(path: Path) -> None:
    """Two recorded trials of the same three cells into the store at ``path``: a
    hyperparameter ``a`` (1, then 2), a list, and a metric ``m`` computed from both."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("NBPROV_DB", str(path))
        mp.delenv("NBPROV_NOTEBOOK", raising=False)
        mp.delenv("NBPROV_TRIAL_NAME", raising=False)
        shell = new_shell()
        try:
            run(shell, "%load_ext nbprov")
            run(shell, "%tag_var a hyperparam\n%tag_var m metric")
            for value in (1, 2):
                run(shell, f"%tag read\na = {value}\nxs = [1, 2, 3]")
                run(shell, "%tag score\nm = sum(x * a for x in xs)")
                if value == 1:
                    run(shell, "%trial new second")
            flush(shell)
        finally:
            close_shell(shell)


def failure(argv: list[str]) -> str:
    """The one line a command that must fail cleanly (status 2) printed on stderr."""
    outcome = run_cli(argv)
    assert outcome.code == 2, outcome
    assert_clean_failure(outcome, argv)
    return outcome.err.strip()

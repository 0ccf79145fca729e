"""Bad input to ``nbprov sweep`` and ``nbprov study``: one line on stderr, status 2, and
no search started; any arguments end in output or one line."""

from __future__ import annotations

from pathlib import Path

import pytest
from bad_input import assert_clean_failure, run_cli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytest.importorskip("optuna")


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NBPROV_DB", raising=False)
    (tmp_path / "notes.txt").write_text("hello")
    (tmp_path / "broken.ipynb").write_text("{not json")
    (tmp_path / "dir").mkdir()
    from nbformat.v4 import new_code_cell
    from support import write_notebook

    write_notebook(tmp_path / "ok.ipynb", [new_code_cell("x = 1")])
    return tmp_path


def failure(argv: list[str]) -> str:
    outcome = run_cli(argv)
    assert_clean_failure(outcome, argv)
    assert outcome.code == 2, outcome
    return outcome.err


SWEEP = ["sweep", "ok.ipynb", "--db", "s.db"]


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["sweep", "missing.ipynb", "--param", "x=1,2", "--metric", "m"], "no notebook at"),
        (["sweep", "broken.ipynb", "--param", "x=1,2", "--metric", "m"], "is not a notebook"),
        ([*SWEEP, "--metric", "m"], "at least one --param"),
        ([*SWEEP, "--param", "x=1,2"], "--metric NAME is needed"),
        ([*SWEEP, "--param", "x=float:1:0", "--metric", "m"], "LOW is above HIGH"),
        ([*SWEEP, "--param", "x=1,2", "--metric", "m", "--jobs", "0"], "--jobs"),
        ([*SWEEP, "--param", "x=1,2", "--metric", "m", "--trials", "0"], "--trials"),
        ([*SWEEP, "--param", "x=float:0:1", "--metric", "m", "--sampler", "grid"], "grid"),
        ([*SWEEP, "--param", "x=1,2", "-p", "x", "3", "--metric", "m"], "both fixed"),
        ([*SWEEP, "--resume"], "--resume needs --name"),
        ([*SWEEP, "--resume", "--name", "nope"], "no study named 'nope'"),
        ([*SWEEP, "--param", "x=1,2", "--metric", "m", "--sampler", "nope"], "invalid choice"),
        (["sweep", "ok.ipynb", "--param", "x=1", "--metric", "m", "--db", "dir"], "dir"),
        (["study", "nope", "--db", "s.db"], "no nbprov store"),
    ],
)
def test_bad_sweeps(folder: Path, argv: list[str], words: str) -> None:
    assert words in failure(argv)


def test_study_of_a_store_without_studies(folder: Path) -> None:
    run_cli(["sweep", "ok.ipynb", "--resume", "--name", "x", "--db", "s.db"])
    assert "no study named 'x'" in failure(["study", "x", "--db", "s.db"])
    listed = run_cli(["study", "--db", "s.db", "--format", "json"])
    assert listed.code == 0 and listed.out.strip() == "[]"


# No notebook that would run: a fuzzed search never starts a kernel.
WORDS = [
    "broken.ipynb", "notes.txt", "dir", "missing.ipynb", "s.db", "x=1,2",
    "x=float:0:1", "x=log:0:1", "x=int:1:0", "x=choice:", "=", "m", "grid", "tpe", "0",
    "-1", "1e999", "nan", "\x1b[2J", "\udcff", "", "bogus://x", "--resume",
]  # fmt: skip
OPTIONS = ["--param", "-p", "--metric", "--direction", "--trials", "--sampler", "--jobs",
           "--name", "--resume", "--seed", "--timeout", "--db", "--format"]  # fmt: skip


@st.composite
def arguments(draw: st.DrawFn) -> list[str]:
    argv = [draw(st.sampled_from(["sweep", "study"]))]
    argv += draw(st.lists(st.sampled_from(WORDS), max_size=1))
    for option in draw(st.lists(st.sampled_from(OPTIONS), max_size=4)):
        argv += [option, *draw(st.lists(st.sampled_from(WORDS), max_size=2))]
    return argv


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(argv=arguments())
def test_any_arguments_end_in_output_or_one_line(folder: Path, argv: list[str]) -> None:
    assert_clean_failure(run_cli(argv), argv)

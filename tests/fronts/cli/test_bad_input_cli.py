"""The ``nbprov`` command on bad input: one line on stderr and exit status 2, never a
traceback, whatever the arguments."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from bad_input import assert_clean_failure, failure, raw_controls, run_cli
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

HUGE = "99999999999999999999999"


# -- the cases users met ---------------------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        ["show", HUGE],
        ["show", "-" + HUGE],
        ["deps", HUGE, "m"],
        ["compare", "1", HUGE],
        ["export", HUGE, "--format", "prov-json"],
    ],
)
def test_a_trial_number_beyond_any_integer_is_an_unknown_trial(db: str, argv: list[str]) -> None:
    assert "no trial" in failure([*argv, "--db", db])


def test_a_huge_limit_lists_every_trial(db: str) -> None:
    outcome = run_cli(["trials", "--limit", HUGE, "--db", db, "--format", "csv"])
    assert outcome.code == 0, outcome
    assert len(outcome.out.strip().splitlines()) == 3  # header and two trials


def test_an_unknown_database_url(db: str) -> None:
    assert "bogus" in failure(["trials", "--db", "bogus://x"])


def test_a_database_url_without_its_driver(db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # As on a machine without psycopg: importing it fails.
    monkeypatch.setitem(sys.modules, "psycopg", None)
    monkeypatch.setitem(sys.modules, "psycopg2", None)
    for url in ("postgresql://u@127.0.0.1:1/x", "postgresql+psycopg://u@127.0.0.1:1/x"):
        assert "driver" in failure(["trials", "--db", url])


def test_a_directory_as_the_store(db: str, tmp_path: Path) -> None:
    assert str(tmp_path) in failure(["trials", "--db", str(tmp_path)])


@pytest.mark.parametrize(
    "argv",
    [
        ["scriptify", "latest", "m", "-o", "DIR"],
        ["scriptify", "latest", "m", "--requirements", "DIR"],
        ["scriptify", "latest", "m", "--check", "DIR"],
        ["scriptify", "latest", "m", "-o", "FILE/x.py"],
        ["export", "1", "-o", "DIR"],
    ],
)
def test_a_directory_or_a_file_given_as_the_output(
    db: str, tmp_path: Path, argv: list[str]
) -> None:
    (tmp_path / "dir").mkdir()
    (tmp_path / "file").write_text("")
    argv = [a.replace("DIR", str(tmp_path / "dir")).replace("FILE", "file") for a in argv]
    message = failure([*argv, "--db", db])
    assert "dir" in message or "file" in message


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("notes.txt", "hello"),
        ("broken.ipynb", "{not json"),
        ("list.ipynb", "[1, 2]"),
        ("binary.ipynb", "\udcff\x00"),
    ],
)
def test_run_on_a_file_that_is_not_a_notebook(
    db: str, tmp_path: Path, name: str, text: str
) -> None:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8", "surrogateescape"))
    assert "is not a notebook" in failure(["run", str(path), "--db", db])


def test_compare_precision_beyond_a_float(db: str) -> None:
    assert "--precision" in failure(["compare", "1", "2", "--precision", "99999", "--db", db])


def test_bad_arguments_are_one_line_not_a_usage_block(db: str) -> None:
    for argv in (["trials", "--limit", "x"], ["nope"], ["demo", "--bogus"], ["show"]):
        message = failure(argv)
        assert "--help" in message


@pytest.mark.parametrize(
    "argv",
    [
        ["show", "\udcff"],
        ["deps", "latest", "\udcff"],
        ["trials", "--notebook", "caf\udce9.ipynb"],
        ["compare", "1", "2", "--why", "\udcff"],
        ["scriptify", "latest", "\udcff"],
    ],
)
def test_arguments_that_are_not_utf8(db: str, argv: list[str]) -> None:
    # How Python hands over argv bytes that are not UTF-8 (surrogateescape).
    failure([*argv, "--db", db])


def test_escapes_in_arguments_are_not_echoed_raw(db: str) -> None:
    message = failure(["show", "\x1b]0;owned\x07", "--db", db])
    assert not raw_controls(message)


# -- any arguments -----------------------------------------------------------------------

# Each command with the number of positional arguments it takes.
COMMANDS = {"trials": 0, "show": 1, "deps": 2, "compare": 2, "scriptify": 2, "export": 1, "run": 1}
OPTIONS = [
    "--db", "--format", "--limit", "--filter", "--sort-by", "--notebook", "--depth", "--at",
    "--all", "--keep", "--drop", "--precision", "--code", "--why", "-o", "--check",
    "--requirements", "-p", "--grid", "--jobs", "--timeout", "--name", "--help", "--verify",
]  # fmt: skip
WORDS = [
    "latest", "-1", "-2", "0", "1", "2", HUGE, "-" + HUGE, "m", "a", "xs", "table", "json",
    "csv", "md", "text", "dot", "prov-json", "prov-n", "metric.m > 1", "(", "-m", ":desc",
    "bogus://x", "dir", "notes.txt", "broken.ipynb", "store.db", "\x1b[2J", "\x9b31m",
    '"', "'", "", "a=1,2", "=", "1e999", "nan", "3", "-0", "\udcff", "x\udce9",
]  # fmt: skip
# Text that never names a path outside the working folder, nor a database server.
FREE_TEXT = st.text(max_size=12).filter(
    lambda t: not t.startswith(("/", "~")) and ".." not in t and "://" not in t
)
WORD = st.one_of(st.sampled_from(WORDS), st.sampled_from(WORDS), FREE_TEXT)
OPTION = st.tuples(st.sampled_from(OPTIONS), st.lists(WORD, max_size=2))


@st.composite
def arguments(draw: st.DrawFn) -> list[str]:
    """A command, mostly with its positional arguments, then options with values."""
    command = draw(st.sampled_from(sorted(COMMANDS)))
    count = COMMANDS[command] + draw(st.sampled_from([0, 0, 0, 1, -1]))
    argv = [command, *draw(st.lists(WORD, min_size=max(count, 0), max_size=max(count, 0)))]
    for option, values in draw(st.lists(OPTION, max_size=3)):
        argv += [option, *values]
    return argv


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(argv=arguments(), with_db=st.booleans())
def test_any_arguments_end_in_output_or_one_line(
    db: str, tmp_path: Path, argv: list[str], with_db: bool
) -> None:
    (tmp_path / "dir").mkdir(exist_ok=True)
    (tmp_path / "notes.txt").write_text("hello")
    (tmp_path / "broken.ipynb").write_text("{not json")
    argv = [*argv, *(["--db", db] if with_db else [])]
    outcome = run_cli(argv)
    event(f"exit {outcome.code}")
    assert_clean_failure(outcome, argv)
    human = not {"json", "csv", "dot", "prov-json", "prov-n"} & set(argv)
    if human and argv[0] not in ("scriptify", "export"):
        assert not raw_controls(outcome.out), (argv, outcome.out)
    assert not raw_controls(outcome.err), (argv, outcome.err)
    assert os.getcwd() == str(tmp_path)


@pytest.mark.parametrize("command", ["deps", "scriptify"])
def test_a_second_double_dash_is_a_missing_value(db: str, command: str) -> None:
    """Python 3.11's argparse drops a second ``--`` given as a value and leaves an empty
    list where the value belongs; the command says the value is missing."""
    argv = [command, "--db", db, "latest", "--", "--"]
    outcome = run_cli(argv)
    assert_clean_failure(outcome, argv)
    assert outcome.code == 2
    assert "NAME is missing" in outcome.err

"""Every magic on bad input: IPython's one-line usage error, never a traceback."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from bad_input import raw_controls
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell
from support import flush, run

MAGICS = ["tag", "tag_var", "trial", "scriptify", "deps", "compare"]


@pytest.fixture
def magic_shell(
    shell: InteractiveShell, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> InteractiveShell:
    """A recording shell with a value to point magics at, working in a fresh folder (a
    fuzzed ``-o`` writes there)."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "dir").mkdir()
    run(shell, "x = 1\ny = x + 1")
    return shell


def usage_error(shell: InteractiveShell, line: str) -> str | None:
    """The usage error ``line`` gave (None when it ran); any other exception fails."""
    result = run(shell, line)
    error = result.error_before_exec or result.error_in_exec
    if error is None:
        return None
    assert isinstance(error, UsageError), f"{line!r} raised {error!r}"
    message = str(error)
    assert "\n" not in message.strip(), (line, message)
    assert not raw_controls(message), (line, message)
    return message


@pytest.mark.parametrize("magic", ["tag", "tag_var", "trial", "scriptify", "deps", "compare"])
@pytest.mark.parametrize("rest", ['"', "'x", 'a "b c', "x\\"])
def test_an_unclosed_quote_is_a_usage_error(
    magic_shell: InteractiveShell, magic: str, rest: str
) -> None:
    message = usage_error(magic_shell, f"%{magic} {rest}")
    assert message is not None


@pytest.mark.parametrize(
    "line",
    [
        "%scriptify y -o dir",
        "%scriptify y -o dir/",
        "%scriptify y --requirements dir",
        "%scriptify y --check dir",
        "%scriptify y --check missing.py",
        "%scriptify y --verify",
        "%scriptify y --bogus",
        "%deps y --depth x",
        "%deps y --at 99999999999999999999999",
        "%compare 99999999999999999999999 1",
        "%trial name \x1b[2Jx",
        "%trial new " + "n" * 201,
        "%tag_var x\x1b[31m metric",
        "%tag \x9b31m",
        "%compare \ud800 x",
        "%trial name \ud800",
        "%deps \udcff",
    ],
)
def test_bad_arguments_are_usage_errors(magic_shell: InteractiveShell, line: str) -> None:
    assert usage_error(magic_shell, line) is not None


def test_scriptify_help_prints_help_and_does_nothing(
    magic_shell: InteractiveShell, capsys: pytest.CaptureFixture[str]
) -> None:
    assert usage_error(magic_shell, "%scriptify --help") is None
    help_text = capsys.readouterr().out  # IPython's magic help: the usage, then each option
    assert "%scriptify [-o OUTPUT]" in help_text and "--verify" in help_text


def test_good_lines_still_work(magic_shell: InteractiveShell, tmp_path: Path) -> None:
    assert usage_error(magic_shell, "%tag features") is None
    assert usage_error(magic_shell, "%tag_var x hyperparam") is None
    assert usage_error(magic_shell, '%trial name "first run"') is None
    assert usage_error(magic_shell, "%scriptify y -o out/y.py") is None
    assert (tmp_path / "out" / "y.py").is_file()


# Pieces that magics give meaning to, and text that none expects.
PIECES = [
    '"', "'", "\\", "x", "y", "new", "name", "-o", "--depth", "--at", "--trial", "--check",
    "--verify", "--requirements", "--help", "-h", "--", "-", "0", "-1", "99999999999999999999",
    "dir", "a b", "\x1b[31m", "\x00", "\x9b", "\u202e", "é", "1x", "x" * 300, "#", "$x",
    "\ud800", "\udcff",
]  # fmt: skip
# A magic's line: never a line break (that would end the magic), never a path that leaves
# the working folder.
FREE_TEXT = st.text(
    alphabet=st.characters(blacklist_characters="\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"),
    max_size=10,
).filter(lambda t: "/" not in t and "~" not in t)
WORDS = st.lists(st.one_of(st.sampled_from(PIECES), FREE_TEXT), max_size=5)


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(magic=st.sampled_from(MAGICS), words=WORDS)
# Python 3.11's argparse leaves an empty list for a value given as a second "--".
@example(magic="tag_var", words=["x", "--", "--"])
def test_any_line_runs_or_is_a_usage_error(
    magic_shell: InteractiveShell, capsys: pytest.CaptureFixture[str], magic: str, words: list[str]
) -> None:
    line = f"%{magic} {' '.join(words)}"
    if magic == "scriptify" and "--verify" in words:
        line = line.replace("--verify", "")  # verifying starts an interpreter: slow, not parsing
    capsys.readouterr()
    usage_error(magic_shell, line)
    printed = capsys.readouterr()
    if magic != "scriptify":  # a script printed whole is the script, byte for byte
        assert not raw_controls(printed.out), (line, printed.out)


@pytest.mark.parametrize("line", ["%deps y", "%compare 1 1"])
def test_a_damaged_store_is_one_line_in_the_notebook(
    magic_shell: InteractiveShell, store_path: Path, line: str
) -> None:
    flush(magic_shell)
    with sqlite3.connect(store_path) as conn:
        conn.execute("UPDATE value SET value = '{bad'")
        conn.execute("UPDATE trial SET environment = '{bad'")
    message = usage_error(magic_shell, line)
    assert message is not None and "damaged rows" in message

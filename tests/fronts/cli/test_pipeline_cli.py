"""``nbprov pipeline`` on bad input: one line on stderr and exit status 2, never a
traceback; and its JSON and drawing outputs on a small store."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from bad_input import assert_clean_failure, failure, raw_controls, run_cli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["pipeline", "99", "m", "-o", "out"], "no trial"),
        (["pipeline", "latest", "nope", "-o", "out"], "nope"),
        (["pipeline", "latest", "\udcff", "-o", "out"], ""),
        (["pipeline", "latest", "m", "-o", "notes.txt"], "notes.txt"),
        (["pipeline", "latest", "m", "--graph", "dir"], "dir"),
        (["pipeline", "latest", "m", "--name", "1x", "-o", "out"], "1x"),
        (["pipeline", "latest", "m", "--name", "import", "-o", "out"], "import"),
        (["pipeline", "latest", "m"], "-o DIR"),
        (["pipeline", "latest", "m", "--verify"], "-o DIR"),
    ],
)
def test_bad_input_is_one_line(db: str, tmp_path: Path, argv: list[str], said: str) -> None:
    (tmp_path / "dir").mkdir()
    (tmp_path / "notes.txt").write_text("hello")
    assert said in failure([*argv, "--db", db])


def test_json_plan_and_drawings(db: str, tmp_path: Path) -> None:
    outcome = run_cli(["pipeline", "latest", "m", "-o", "out", "--format", "json", "--db", db])
    assert outcome.code == 0, outcome
    plan = json.loads(outcome.out)
    assert [s["name"] for s in plan["stages"]] == ["read", "score"]
    assert plan["params"] == {"a": 2}
    assert plan["targets"] == {"m": "score"}
    assert plan["stages"][1]["inputs"] == {"xs": "read"}
    outcome = run_cli(["pipeline", "latest", "m", "--graph", "--db", db])
    assert outcome.code == 0 and "score" in outcome.out and "targets: m (score)" in outcome.out
    outcome = run_cli(["pipeline", "latest", "m", "--graph", "dag.dot", "--db", db])
    assert outcome.code == 0
    assert '"s_read" -> "s_score" [label="xs"]' in (tmp_path / "dag.dot").read_text()


OPTIONS = ["-o", "--name", "--graph", "--format", "--db", "--help"]
WORDS = ["latest", "-1", "1", "2", "99", "m", "a", "xs", "json", "text", "out", "dir",
         "notes.txt", "x.svg", "x.dot", "-", "\x1b[2J", '"', "", "\udcff", "import"]  # fmt: skip
FREE_TEXT = st.text(max_size=10).filter(
    lambda t: not t.startswith(("/", "~")) and ".." not in t and "://" not in t
)
WORD = st.one_of(st.sampled_from(WORDS), FREE_TEXT)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    words=st.lists(WORD, max_size=3),
    options=st.lists(st.tuples(st.sampled_from(OPTIONS), st.lists(WORD, max_size=1)), max_size=3),
)
def test_any_arguments_end_in_output_or_one_line(
    db: str, tmp_path: Path, words: list[str], options: list[tuple[str, list[str]]]
) -> None:
    (tmp_path / "dir").mkdir(exist_ok=True)
    (tmp_path / "notes.txt").write_text("hello")
    argv = ["pipeline", *words]
    for option, values in options:
        argv += [option, *values]
    outcome = run_cli([*argv, "--db", db])
    assert_clean_failure(outcome, argv)
    assert not raw_controls(outcome.err), (argv, outcome.err)
    assert os.getcwd() == str(tmp_path)

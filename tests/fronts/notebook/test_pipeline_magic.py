"""``%pipeline``: the same core as ``nbprov pipeline``, from the notebook."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from IPython.core.error import UsageError

from tests.support import run, shell_recording_into

CELLS = [
    "%tag read\nrows = list(range(10))",
    "%tag_var k hyperparam\nk = 3",
    "%tag score\ntop = sorted(rows)[-k:]\ntotal = sum(top)",
]


def test_magic_writes_the_package_and_draws_the_dag(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shown: list[Any] = []
    monkeypatch.setattr(
        "nbprov.notebook.pipeline_writer.display", lambda obj, **kw: shown.append(obj)
    )
    with shell_recording_into(tmp_path) as shell:
        for cell in CELLS:
            assert run(shell, cell).success
        out = tmp_path / "pkg"
        result = run(shell, f"%pipeline total -o {out} --name tops")
        assert result.success, result.error_in_exec
        assert run(shell, "%pipeline total --graph").success
        bad = run(shell, "%pipeline never_bound -o x")
        assert isinstance(bad.error_in_exec, UsageError)
        assert "never_bound" in str(bad.error_in_exec)
    assert shown and "score" in shown[0]["text/plain"]
    proc = subprocess.run(
        [sys.executable, "-m", "tops", "--param", "k=2"],
        cwd=out,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "total = 17"
    assert "k = 3" in (out / "tops" / "params.toml").read_text()


@pytest.mark.parametrize(
    "line",
    [
        "%pipeline",
        '%pipeline "',
        "%pipeline total",
        "%pipeline total --verify",
        "%pipeline nope -o out",
        "%pipeline total -o notes.txt",
        "%pipeline total --name 1x -o out",
        "%pipeline total --trial 99999999999999999999 -o out",
        "%pipeline \udcff -o out",
        "%pipeline total --bogus",
    ],
)
def test_bad_lines_are_one_line_usage_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, line: str
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "notes.txt").write_text("hello")
    with shell_recording_into(tmp_path) as shell:
        for cell in CELLS:
            assert run(shell, cell).success
        result = run(shell, line)
    error = result.error_before_exec or result.error_in_exec
    assert isinstance(error, UsageError), f"{line!r} raised {error!r}"
    assert "\n" not in str(error).strip()

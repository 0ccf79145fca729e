"""scriptify in-process: cell translation, and scripts rebuilt from a recorded shell."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from IPython.core.interactiveshell import InteractiveShell
from support import flush, run

import nbprov
from nbprov.cli.main import main as cli_main
from nbprov.core.scriptify import (
    ScriptifyError,
    requirements_text,
    scriptify,
    translate_cell,
    verify_script,
)
from nbprov.core.scriptify.translate import Context, is_display_only


def test_magics_translated_or_dropped() -> None:
    source = "\n".join(
        [
            "%load_ext nbprov",
            "%matplotlib inline",
            "%tag features",
            "%tag_var alpha hyperparam",
            "# keep this comment",
            "%time x = compute(1)",
            "y = x + 1",
        ]
    )
    assert translate_cell(source) == "# keep this comment\nx = compute(1)\ny = x + 1\n"


def test_cell_magic_and_shell_escapes() -> None:
    ctx = Context()
    text = translate_cell("%%time\nz = 3\nw = z * 2\n", ctx)
    assert text == "z = 3\nw = z * 2\n"
    text = translate_cell("!echo hi\nfiles = !ls\n%cd /tmp", ctx)
    assert text.splitlines() == [
        "subprocess.run('echo hi', shell=True, check=True)",
        "files = subprocess.run('ls', shell=True, capture_output=True, text=True)"
        ".stdout.splitlines()",
        "os.chdir('/tmp')",
    ]
    assert ctx.helpers == {"subprocess", "os"}
    # A magic inside a loop is translated in place.
    text = translate_cell("for i in range(2):\n    %time total = i\n", ctx)
    assert text == "for i in range(2):\n    total = i\n"


@pytest.mark.parametrize(
    ("line", "display"),
    [
        ("df.head()", True),
        ("df", True),
        ("df.shape", True),
        ('print(f"{len(X)} rows")', True),
        ('df["t"].map(dict(enumerate(names))).value_counts()', True),
        ("pd.Series(model.coef_, index=X.columns).sort_values().round(1)", True),
        ("model.fit(X, y)", False),
        ("print(rng.random())", False),
        ("df.sort_values('a', inplace=True)", False),
        ("items.append(3)", False),
        ("x = df.head()", False),
        ("(n := 3)", False),
    ],
)
def test_display_only(line: str, display: bool) -> None:
    import ast

    assert is_display_only(ast.parse(line).body[0]) is display


def test_display_lines_dropped_rest_kept() -> None:
    source = "import pandas as pd\ndf = pd.DataFrame({'a': [1]})\ndf.head()\ndf['b'] = 2\ndf\n"
    assert (
        translate_cell(source)
        == "import pandas as pd\ndf = pd.DataFrame({'a': [1]})\ndf['b'] = 2\n"
    )


# -- scripts from a recorded shell -----------------------------------------------------


@pytest.fixture
def data_file(tmp_path: Path) -> Path:
    path = tmp_path / "data" / "numbers.txt"
    path.parent.mkdir()
    path.write_text("3\n4\n5\n")
    return path


@pytest.fixture
def recorded(shell: InteractiveShell, data_file: Path) -> int:
    cells = [
        "%tag_var factor hyperparam\n%tag_var result metric\nfactor = 2\nunused = 99",
        f"%tag read\nwith open({str(data_file)!r}) as fh:\n"
        "    numbers = [int(line) for line in fh]\nnumbers",
        "noise = [0] * 1000\nprint(len(noise))",
        "%tag features\nscaled = [n * factor for n in numbers]\nscaled",
        "%time offset = 10",
        "%tag score\nresult = sum(scaled) + offset\nprint(f'result = {result}')",
        "table = list(range(100))",
        "summary = [scaled, 'x' * 2000]",
    ]
    for source in cells:
        assert run(shell, source).success, source
    flush(shell)
    recorder = nbprov.get_recorder(shell)
    assert recorder is not None
    return recorder.trial_id


def run_script(path: Path, *args: str) -> str:
    proc = subprocess.run(
        [sys.executable, str(path), *args], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip().splitlines()[-1]


def test_script_rebuilds_the_value(recorded: int, store_path: Path, tmp_path: Path) -> None:
    script = scriptify(recorded, "result")
    assert script.recorded is not None and script.recorded.value == (3 + 4 + 5) * 2 + 10
    text = script.text
    # Only the slice: the noise and unused cells are gone, display lines dropped.
    assert "noise" not in text and "unused" not in text
    body = text.split("_args = _options()")[1]
    assert "%" not in body and "get_ipython" not in body
    assert "print(f'result" not in text and "\nnumbers\n" not in text
    assert text.rstrip().endswith("print(repr(result))")
    assert f"trial {recorded}" in text.split('"""')[1]
    # The hyperparameter and the input file became options.
    assert [(o.name, o.default, o.kind) for o in script.options] == [
        ("factor", 2, "hyperparam"),
        ("numbers_path", str(tmp_path / "data" / "numbers.txt"), "path"),
    ]
    path = tmp_path / "result.py"
    path.write_text(text)
    assert run_script(path) == "34"
    assert run_script(path, "--factor", "3") == str(12 * 3 + 10)
    other = tmp_path / "other.txt"
    other.write_text("1\n")
    assert run_script(path, "--numbers-path", str(other)) == str(2 + 10)

    assert verify_script(path, "result", script.recorded).ok
    tampered = tmp_path / "tampered.py"
    tampered.write_text(text.replace("default=2,", "default=5,"))
    result = verify_script(tampered, "result", script.recorded)
    assert not result.ok and "recorded 34" in result.message


def test_fingerprint_verification_for_summarised_values(recorded: int, tmp_path: Path) -> None:
    for name in ("table", "summary"):
        script = scriptify(recorded, name)
        assert script.recorded is not None
        path = tmp_path / f"{name}.py"
        path.write_text(script.text)
        check = verify_script(path, name, script.recorded)
        assert check.ok, check.message
    summary = scriptify(recorded, "summary")
    assert summary.recorded is not None and not summary.recorded.exact
    broken = tmp_path / "broken.py"
    broken.write_text(summary.text.replace("'x' * 2000", "'y' * 2000"))
    assert not verify_script(broken, "summary", summary.recorded).ok


def test_cli_exit_status_says_whether_it_matched(
    recorded: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "s.py"
    req = tmp_path / "req.txt"
    args = ["scriptify", str(recorded), "result", "-o", str(out)]
    assert cli_main([*args, "--verify", "--requirements", str(req)]) == 0
    assert "verified" in capsys.readouterr().out
    assert req.read_text().startswith("# packages imported")
    out.write_text(out.read_text().replace("+ offset", "+ offset + 1"))
    assert cli_main(["scriptify", str(recorded), "result", "--check", str(out)]) == 1
    assert "MISMATCH" in capsys.readouterr().out
    assert cli_main(["scriptify", str(recorded), "nope"]) == 2
    assert "'nope' was not written" in capsys.readouterr().err
    assert cli_main(["scriptify", str(recorded), "result"]) == 0
    assert capsys.readouterr().out.rstrip().endswith("print(repr(result))")


def test_unknown_variable(recorded: int) -> None:
    with pytest.raises(ScriptifyError):
        scriptify(recorded, "never_defined")


def test_requirements_pin_imported_packages(shell: InteractiveShell) -> None:
    run(shell, "import json\nimport IPython\nv = [IPython.version_info[0], json.dumps(1)]")
    flush(shell)
    recorder = nbprov.get_recorder(shell)
    assert recorder is not None
    script = scriptify(recorder.trial_id, "v")
    assert script.imports == ["IPython"]  # the standard library needs no pin
    text = requirements_text(script)
    assert f"ipython=={IPython_version()}" in text.lower()


def IPython_version() -> str:
    import IPython

    return IPython.__version__


def test_magic_writes_and_verifies(
    shell: InteractiveShell, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(shell, "base = 4\n%tag_var base hyperparam")
    run(shell, "squared = base ** 2")
    target = tmp_path / "sq.py"
    result = run(shell, f"%scriptify squared -o {target} --verify")
    assert result.success
    assert "verified: squared = 16" in capsys.readouterr().out
    assert run_script(target) == "16"
    result = run(shell, "%scriptify")
    assert not result.success


# -- statements the slice does not need ------------------------------------------------


def script_for(shell: InteractiveShell, cells: list[str], name: str, tmp_path: Path) -> Path:
    for source in cells:
        run(shell, source)
    flush(shell)
    recorder = nbprov.get_recorder(shell)
    assert recorder is not None
    script = scriptify(recorder.trial_id, name)
    path = tmp_path / f"{name}.py"
    path.write_text(script.text)
    check = verify_script(path, name, script.recorded)
    assert check.ok, f"{check.message}\n{script.text}"
    return path


def test_a_cell_shared_with_an_unneeded_import_keeps_only_what_the_value_needs(
    shell: InteractiveShell, tmp_path: Path
) -> None:
    # The second cell is in the slice for `math`, but its other statement needs `json`,
    # whose cell is not: the script must not run that statement.
    cells = ["import json", "import math\nencoded = json.dumps([1, 2])", "r = math.sqrt(16.0)"]
    text = script_for(shell, cells, "r", tmp_path).read_text()
    assert "json" not in text.split("_args = _options()")[1]


def test_statements_a_kept_function_needs_stay(shell: InteractiveShell, tmp_path: Path) -> None:
    cells = [
        "import math\nscale = 3\ndef f(v):\n    return math.sqrt(v) * scale\nnoise = [0] * 10",
        "r = f(16.0)",
    ]
    text = script_for(shell, cells, "r", tmp_path).read_text()
    assert "noise" not in text


def test_a_cell_that_raised_does_not_raise_in_the_script(
    shell: InteractiveShell, tmp_path: Path
) -> None:
    cells = [
        "x = 41\nboom = 1 / 0\nafter = 2",
        "items = []\nitems.append(1)\nitems.append(1 / 0)\nitems.append(2)",
        "y = x + 1\nz = items + [y]",
    ]
    script_for(shell, cells, "y", tmp_path)
    text = script_for(shell, [], "z", tmp_path).read_text()
    assert "after = 2" not in text


def test_changes_through_another_name_of_the_object_are_kept(
    shell: InteractiveShell, tmp_path: Path
) -> None:
    # `rows` changes only through `first` and through the loop variable: both alias it.
    cells = [
        "rows = [[0], [0]]\nfirst = rows[0]\nfirst.append(1)\n"
        "for row in rows:\n    row.append(2)\nother = 5",
        "total = sum(len(r) for r in rows)",
    ]
    text = script_for(shell, cells, "total", tmp_path).read_text()
    assert "other = 5" not in text


def test_a_change_through_a_name_from_another_cell_is_kept(
    shell: InteractiveShell, tmp_path: Path
) -> None:
    cells = [
        "rows = [[0], [0]]\nfirst = rows[0]",
        "first.append(1)\nother = 2",
        "total = sum(len(r) for r in rows)",
    ]
    script_for(shell, cells, "total", tmp_path)


def test_settings_changed_through_a_module_are_kept(
    shell: InteractiveShell, tmp_path: Path
) -> None:
    # Like sklearn.set_config(...) or plt.rcParams[...] = ...: module state later cells
    # depend on without naming the statement that set it.
    cells = [
        "import string\nstring.scriptify_test_setting = 3\nother = 1",
        "v = string.scriptify_test_setting * 2",
    ]
    try:
        script_for(shell, cells, "v", tmp_path)
    finally:
        import string

        vars(string).pop("scriptify_test_setting", None)


def test_a_function_may_use_a_name_bound_after_its_definition(
    shell: InteractiveShell, tmp_path: Path
) -> None:
    cells = [
        "def rescale(v):\n    return math.sqrt(v)",
        "import math\nunused = 3",
        "r = rescale(16.0)",
    ]
    text = script_for(shell, cells, "r", tmp_path).read_text()
    assert "unused" not in text

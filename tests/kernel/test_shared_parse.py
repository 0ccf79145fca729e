"""The tree the tracer parses is lent to IPython, once, for the very text it came from."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from typing import Any

import pytest
from IPython.core.interactiveshell import InteractiveShell
from support import run

import nbprov
from nbprov.kernel.shared_parse import SharedParse


class CountingParse:
    """Counts the parses the shell's compiler really does (the lent ones are not)."""

    def __init__(self, shell: InteractiveShell) -> None:
        recorder = nbprov.get_recorder(shell)
        assert recorder is not None and recorder.tracer is not None
        shared = recorder._parse
        assert shared is not None
        self.sources: list[str] = []
        real = shared._own

        def own(source: str, *args: Any) -> Any:
            self.sources.append(source)
            return real(source, *args)

        shared._own = own


@pytest.fixture
def shared(bare_shell: InteractiveShell) -> Iterator[SharedParse]:
    parse = SharedParse(bare_shell)
    parse.install()
    yield parse
    parse.uninstall()


def test_the_tree_is_lent_once_for_its_own_text(
    bare_shell: InteractiveShell, shared: SharedParse
) -> None:
    tree = shared.parse("x = 1")
    assert bare_shell.compile.ast_parse("x = 1\n", filename="<cell>") is tree
    again = bare_shell.compile.ast_parse("x = 1\n")
    assert again is not tree
    assert ast.dump(again) == ast.dump(tree)


def test_other_text_and_other_modes_are_parsed_as_before(
    bare_shell: InteractiveShell, shared: SharedParse
) -> None:
    tree = shared.parse("x = 1")
    other = bare_shell.compile.ast_parse("y = 2")
    assert ast.dump(other) == ast.dump(ast.parse("y = 2"))
    expression = shared.parse("x")
    assert bare_shell.compile.ast_parse("x", symbol="eval") is not expression
    shared.parse("x = 1")
    shared.forget()  # the cell ended without IPython parsing it
    assert bare_shell.compile.ast_parse("x = 1") is not tree


def test_the_notebooks_future_flags_are_used(bare_shell: InteractiveShell) -> None:
    """The tree is the one IPython's own compiler makes, flags and all."""
    run(bare_shell, "from __future__ import barry_as_FLUFL")
    parse = SharedParse(bare_shell)
    parse.install()
    try:
        assert isinstance(parse.parse("1 <> 2").body[0], ast.Expr)  # type: ignore[attr-defined]
    finally:
        parse.uninstall()
    with pytest.raises(SyntaxError):
        ast.parse("1 <> 2")


def test_uninstall_gives_the_compiler_its_own_method_back(bare_shell: InteractiveShell) -> None:
    parse = SharedParse(bare_shell)
    parse.install()
    assert "ast_parse" in vars(bare_shell.compile)
    parse.uninstall()
    assert "ast_parse" not in vars(bare_shell.compile)


def test_each_plain_cell_is_parsed_once(shell: InteractiveShell) -> None:
    run(shell, "a = 1")  # the tracer is made for the first cell
    parses = CountingParse(shell)
    cells = ["b = a + 1", "def f(x):\n    return x * b", "c = f(2)", "c"]
    for cell in cells:
        assert run(shell, cell).success
    # IPython 9 hands over the cell as it transformed it, with a final newline.
    assert [source.rstrip("\n") for source in parses.sources] == cells
    assert shell.user_ns["c"] == 4


def test_a_magic_parses_its_own_code(shell: InteractiveShell) -> None:
    run(shell, "a = 1")
    parses = CountingParse(shell)
    assert run(shell, "%time b = a + 1").success
    assert shell.user_ns["b"] == 2
    # The cell's own text, lent to IPython, then the statement %time compiles itself.
    assert len(parses.sources) == 2
    assert "b = a + 1" in parses.sources[1]


def test_a_syntax_error_shows_as_without_nbprov(
    bare_shell: InteractiveShell, capsys: pytest.CaptureFixture[str]
) -> None:
    source = "x = (1,\ny = 2"
    plain = run(bare_shell, source)
    shown_plain = capsys.readouterr().out
    run(bare_shell, "%load_ext nbprov")
    capsys.readouterr()
    recorded = run(bare_shell, source)
    shown = capsys.readouterr().out
    assert type(recorded.error_before_exec) is type(plain.error_before_exec)
    # Only the cell's number in its name differs.
    assert _numbered(shown) == _numbered(shown_plain)
    assert "SyntaxError" in shown


def _numbered(text: str) -> str:
    return re.sub(r"In ?\[\d+\]", "In[N]", text)


def test_unloading_restores_the_compiler(shell: InteractiveShell) -> None:
    run(shell, "a = 1")
    assert "ast_parse" in vars(shell.compile)
    run(shell, "%unload_ext nbprov")
    assert "ast_parse" not in vars(shell.compile)
    assert run(shell, "b = a + 1").success

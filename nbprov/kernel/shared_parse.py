"""One parse per cell, shared with IPython.

The tracer reads a cell's syntax tree before the cell runs (``pre_run_cell``); moments
later IPython parses the same text again to compile it. On a small cell the parse is a
large share of what nbprov adds, and on a long one it is the largest single step, so the
tree the tracer parsed is handed to IPython instead of being built twice.

The hand-off is safe by construction: the tree is parsed by the shell's own compiler
(``shell.compile.ast_parse``, with the ``__future__`` flags the notebook has set), and
IPython receives it only for the very text it was parsed from, once. Any other call,
by IPython or by a magic such as ``%time``, parses as before. Nothing of the tree is
changed by the tracer, which only reads it.
"""

from __future__ import annotations

import ast
from typing import Any


class SharedParse:
    """Parses cells with ``shell``'s compiler and lends IPython the last tree."""

    def __init__(self, shell: Any) -> None:
        self._compiler = shell.compile
        self._own = self._compiler.ast_parse  # the compiler's method, before ours
        self._lent: tuple[str, ast.AST] | None = None

    def install(self) -> None:
        self._compiler.ast_parse = self._ast_parse

    def uninstall(self) -> None:
        self._lent = None
        if vars(self._compiler).get("ast_parse") == self._ast_parse:
            del self._compiler.ast_parse

    def parse(self, source: str) -> ast.AST:
        """``source``'s tree, as IPython would parse it; kept for IPython's next parse."""
        self._lent = None
        tree: ast.AST = self._own(source)
        self._lent = (source, tree)
        return tree

    def forget(self) -> None:
        """The cell ended: a tree IPython did not take (the cell failed before its
        parse) is not lent to a later one."""
        self._lent = None

    def _ast_parse(self, source: str, filename: str = "<unknown>", symbol: str = "exec") -> Any:
        lent, self._lent = self._lent, None
        # IPython's input transformer ends a cell with a newline, which changes no tree.
        if lent is not None and symbol == "exec" and source in (lent[0], lent[0] + "\n"):
            return lent[1]
        return self._own(source, filename, symbol)

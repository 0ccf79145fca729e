"""Translating one notebook cell to plain Python: IPython syntax through IPython's own
transformer, magics translated or dropped, display-only statements dropped."""

from __future__ import annotations

import ast
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from nbprov.capture.ipython_syntax import plain_python
from nbprov.core.scriptify.script import ARGS, ScriptifyError
from nbprov.lineage.mutations import PURE_METHODS as PURE_METHODS_BY_TYPE

# Magics with nothing to do outside a notebook.
DROPPED_MAGICS = frozenset(
    {
        "tag",
        "tag_var",
        "trial",
        "deps",
        "compare",
        "scriptify",
        "load_ext",
        "reload_ext",
        "unload_ext",
        "matplotlib",
        "pylab",
        "config",
        "autoreload",
        "aimport",
        "precision",
        "pprint",
        "who",
        "whos",
        "who_ls",
        "pwd",
        "history",
        "timeit",
        "lsmagic",
        "magic",
        "pinfo",
        "pinfo2",
        "psearch",
        "page",
        "pdef",
        "pdoc",
        "psource",
        "pfile",
        "xmode",
        "colors",
        "doctest_mode",
        "notebook",
        "env",
        "set_env",
        "store",
        "debug",
        "pdb",
        "prun",
        "load",
        "logstart",
        "logstop",
        "logon",
        "logoff",
        "html",
        "javascript",
        "js",
        "latex",
        "markdown",
        "svg",
    }
)
# Magics whose argument (line) or body (cell) is Python code run as is.
CODE_MAGICS = frozenset({"time", "capture"})

# Calls that display or compute without changing their arguments: an expression statement
# made only of these (and names, attributes, literals) is display-only.
DISPLAY_FUNCTIONS = frozenset({"print", "display", "pprint"})
PURE_FUNCTIONS = frozenset(
    {
        "len",
        "repr",
        "str",
        "int",
        "float",
        "bool",
        "round",
        "abs",
        "format",
        "type",
        "isinstance",
        "dict",
        "list",
        "tuple",
        "set",
        "sorted",
        "enumerate",
        "zip",
        "range",
        "min",
        "max",
        "sum",
        "DataFrame",
        "Series",
    }
)
# Methods that never change their receiver (the tracer's table, by receiver type) and a
# few that only display; a receiver's type is unknown here, so any of them counts.
DISPLAY_METHODS = frozenset(
    {"info", "show", "to_string", "to_frame", "format", "DataFrame", "Series"}
)
PURE_METHODS = DISPLAY_METHODS.union(*PURE_METHODS_BY_TYPE.values())
# Calls whose first literal argument names an input file.
READER_PREFIXES = ("read_", "load", "open", "loadtxt", "genfromtxt")


# -- translating one cell ------------------------------------------------------------------


@dataclass
class Context:
    """What the translation of the cells needs and collects."""

    hyperparams: dict[str, str] = field(default_factory=dict)  # name -> option name
    paths: dict[str, str] = field(default_factory=dict)  # literal text -> option name
    drop_assignments: set[str] = field(default_factory=set)  # literal assignments to drop
    helpers: set[str] = field(default_factory=set)  # stdlib modules the translation uses
    notes: list[str] = field(default_factory=list)
    keep: set[int] | None = None  # indices of the top-level statements to write (None: all)
    raised: str | None = None  # the cell raised this in the notebook: guard what is kept


def _magic_call(node: ast.expr) -> tuple[str, str, list[ast.expr]] | None:
    """``get_ipython().METHOD(args...)`` as (METHOD, magic name or '', args), else None."""
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
        return None
    owner = node.func.value
    if not (
        isinstance(owner, ast.Call)
        and isinstance(owner.func, ast.Name)
        and owner.func.id == "get_ipython"
    ):
        return None
    method = node.func.attr
    name = ""
    if method in ("run_line_magic", "run_cell_magic") and node.args:
        first = node.args[0]
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            name = first.value
    return method, name, list(node.args)


def _const(node: ast.expr) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _parse_statements(code: str) -> list[ast.stmt]:
    return ast.parse(code).body


def _translate_magic(stmt: ast.stmt, ctx: Context) -> list[ast.stmt] | None:
    """Replacement statements for a top-level magic statement; None when it is not one."""
    value = stmt.value if isinstance(stmt, (ast.Expr, ast.Assign)) else None
    if value is None:
        return None
    found = _magic_call(value)
    if found is None:
        return None
    method, name, args = found
    if isinstance(stmt, ast.Assign):
        if method == "getoutput" and args:
            ctx.helpers.add("subprocess")
            call = ast.parse(
                f"subprocess.run({ast.unparse(args[0])}, shell=True, capture_output=True,"
                " text=True).stdout.splitlines()",
                mode="eval",
            ).body
            return [ast.Assign(targets=stmt.targets, value=call, lineno=stmt.lineno)]
        if method == "run_line_magic" and name in CODE_MAGICS and len(args) > 1:
            inner = _const(args[1])
            if inner is not None:
                expr = ast.parse(inner.strip() or "None", mode="eval").body
                return [ast.Assign(targets=stmt.targets, value=expr, lineno=stmt.lineno)]
        ctx.notes.append(f"not translated: {ast.unparse(stmt)}")
        return None
    if method == "system" and args:
        ctx.helpers.add("subprocess")
        return _parse_statements(f"subprocess.run({ast.unparse(args[0])}, shell=True, check=True)")
    if method == "run_line_magic":
        line = _const(args[1]) if len(args) > 1 else ""
        if name in DROPPED_MAGICS:
            return []
        if name in CODE_MAGICS and line is not None:
            return _parse_statements(line)
        if name == "cd" and line is not None:
            ctx.helpers.add("os")
            return _parse_statements(f"os.chdir({line.strip()!r})")
    if method == "run_cell_magic" and len(args) > 2:
        line, body = _const(args[1]), _const(args[2])
        if name in DROPPED_MAGICS:
            return []
        if name in CODE_MAGICS and body is not None:
            return _parse_statements(plain_python(body))
        if name == "writefile" and line is not None and body is not None:
            ctx.helpers.add("pathlib")
            target = line.replace("-a", "").strip()
            mode = "a" if "-a" in line.split() else "w"
            return _parse_statements(
                f"with pathlib.Path({target!r}).open({mode!r}) as _file:\n    _file.write({body!r})"
            )
    ctx.notes.append(f"dropped: %{name or method} (no plain Python equivalent)")
    return []


def _is_pure(node: ast.AST) -> bool:
    """True when evaluating ``node`` calls only functions known not to change anything."""
    for sub in ast.walk(node):
        if isinstance(sub, (ast.NamedExpr, ast.Await, ast.Yield, ast.YieldFrom, ast.Lambda)):
            return False
        if isinstance(sub, ast.Call):
            func = sub.func
            if any(k.arg == "inplace" for k in sub.keywords):
                return False
            if isinstance(func, ast.Name) and func.id in PURE_FUNCTIONS | DISPLAY_FUNCTIONS:
                continue
            if isinstance(func, ast.Attribute) and func.attr in PURE_METHODS:
                continue
            return False
    return True


def is_display_only(stmt: ast.stmt) -> bool:
    """An expression statement that binds nothing and only displays or computes."""
    if not isinstance(stmt, ast.Expr):
        return False
    value = stmt.value
    if isinstance(value, ast.Constant) and isinstance(value.value, str):
        return False  # a docstring-like string literal: harmless, kept
    return _is_pure(value)


class _NestedMagics(ast.NodeTransformer):
    """Magics inside compound statements (loops, functions): translated in place."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.changed = False

    def generic_visit(self, node: ast.AST) -> ast.AST:
        for name, value in ast.iter_fields(node):
            if isinstance(value, list) and value and isinstance(value[0], ast.stmt):
                body: list[ast.stmt] = []
                for stmt in value:
                    replaced = _translate_magic(stmt, self.ctx)
                    if replaced is None:
                        body.append(self.visit(stmt))
                    else:
                        self.changed = True
                        body.extend(replaced)
                setattr(node, name, body or [ast.Pass()])
            elif isinstance(value, ast.AST):
                self.visit(value)
        return node


class _Lift(ast.NodeTransformer):
    """Literal hyperparameters and input paths replaced by the script's options."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.changed = False

    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        if isinstance(node.value, str) and node.value in self.ctx.paths:
            self.changed = True
            option = self.ctx.paths[node.value]
            return ast.Attribute(value=ast.Name(ARGS, ast.Load()), attr=option, ctx=ast.Load())
        return node

    def visit_JoinedStr(self, node: ast.JoinedStr) -> ast.AST:
        return node  # parts of f-strings are not paths on their own


def literal_target(stmt: ast.stmt) -> str | None:
    """``NAME = <literal>`` → NAME."""
    if (
        isinstance(stmt, ast.Assign)
        and len(stmt.targets) == 1
        and isinstance(stmt.targets[0], ast.Name)
    ):
        try:
            ast.literal_eval(stmt.value)
        except ValueError:
            return None
        return stmt.targets[0].id
    return None


def _names_in(stmts: Iterable[ast.stmt]) -> set[str]:
    return {n.id for s in stmts for n in ast.walk(s) if isinstance(n, ast.Name)}


def translate_cell(source: str, ctx: Context | None = None) -> str:
    """One cell's source as plain Python: magics translated or dropped, display-only
    statements dropped, literal hyperparameters and paths lifted into options.

    Statements that need no change keep their text (and the comments around them);
    changed ones are regenerated from the syntax tree.
    """
    ctx = ctx or Context()
    code = plain_python(source)
    try:
        tree = ast.parse(code)
    except SyntaxError as exc:
        raise ScriptifyError(f"cannot parse a cell of the slice: {exc}") from exc
    lines = code.splitlines(keepends=True)
    body = tree.body
    spans = []
    for stmt in body:
        first = min([stmt.lineno, *(d.lineno for d in getattr(stmt, "decorator_list", []))])
        spans.append((first - 1, stmt.end_lineno or stmt.lineno))
    shared = set()
    for i in range(1, len(spans)):
        if spans[i][0] < spans[i - 1][1]:
            shared.update({i - 1, i})

    out: list[str] = []
    cursor = 0
    for i, stmt in enumerate(body):
        start, end = spans[i]
        if ctx.keep is not None and i not in ctx.keep:
            cursor = max(cursor, end)  # its comments go with it
            continue
        if start >= cursor:
            gap = lines[cursor:start]
            out.extend(gap)
        cursor = max(cursor, end)
        rest = body[i + 1 :]
        new = _translate_statement(stmt, rest, ctx)
        if new is None:
            if i in shared:
                out.append(ast.unparse(stmt) + "\n")
            elif start < end:
                out.extend(lines[start:end])
            continue
        for replacement in new:
            out.append(ast.unparse(ast.fix_missing_locations(replacement)) + "\n")
    out.extend(line for line in lines[cursor:] if line.strip().startswith("#"))
    text = "".join(out)
    if text and not text.endswith("\n"):
        text += "\n"
    if ctx.raised is not None and text.strip():
        text = _guarded(text, ctx.raised)
    return text


def _guarded(text: str, raised: str) -> str:
    """The statements of a cell that raised, run as far as they get, as in the notebook:
    what ran before the error is kept, the rest of the cell is skipped."""
    body = ast.parse(text).body
    if not body:
        return text
    handler = ast.ExceptHandler(
        type=ast.Name("Exception", ast.Load()), name=None, body=[ast.Pass()]
    )
    guard = ast.Try(body=body, handlers=[handler], orelse=[], finalbody=[])
    note = f"# the notebook's cell raised {raised} here; the script goes on as the notebook did\n"
    return note + ast.unparse(ast.fix_missing_locations(guard)) + "\n"


def _translate_statement(
    stmt: ast.stmt, rest: Sequence[ast.stmt], ctx: Context
) -> list[ast.stmt] | None:
    """None: keep the statement's text; else its replacement statements (maybe none)."""
    magic = _translate_magic(stmt, ctx)
    if magic is not None:
        result: list[ast.stmt] = []
        for inner in magic:
            again = _translate_statement(inner, rest, ctx)
            result.extend([inner] if again is None else again)
        return result
    if is_display_only(stmt):
        return []
    target = literal_target(stmt)
    if target is not None:
        if target in ctx.drop_assignments and target not in _names_in(rest):
            return []
        if target in ctx.hyperparams and target not in _names_in(rest):
            option = ctx.hyperparams[target]
            value = ast.Attribute(value=ast.Name(ARGS, ast.Load()), attr=option, ctx=ast.Load())
            return [ast.Assign(targets=[ast.Name(target, ast.Store())], value=value, lineno=1)]
    nested = _NestedMagics(ctx)
    lift = _Lift(ctx)
    tree = lift.visit(nested.visit(stmt))
    if nested.changed or lift.changed:
        return [tree]
    return None

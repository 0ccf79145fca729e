"""Rebuild a recorded value as a standalone Python script.

:func:`build_script` takes the backward slice of a variable (see
:mod:`nbprov.lineage.slicing`) and writes its cells, in execution order, as plain Python:

- IPython syntax is first turned into Python by IPython's own transformer, then each magic
  call is translated (``%time CODE`` becomes ``CODE``, ``%cd`` ``os.chdir``, ``!cmd``
  ``subprocess``) or dropped (``%tag``, ``%tag_var``, ``%load_ext``, ``%matplotlib``, ...);
- display-only statements are dropped: an expression statement that binds nothing and
  calls only functions and methods known not to change anything (``df.head()``,
  ``print(f"{len(x)} rows")``, a bare ``model``);
- tagged hyperparameters assigned a literal become command-line options whose defaults
  are the recorded values, and literal paths of the files the slice read become options
  too (their defaults are the files the recorded run read);
- a header names the trial, notebook, git commit and the versions of the packages the
  slice imports; the last line prints ``repr(NAME)``.

:func:`verify_script` runs a script in a fresh interpreter and checks the value it builds
against the recorded one: equal for exact values, same fingerprint otherwise.
"""

from __future__ import annotations

import ast
import builtins
import json
import os
import subprocess
import symtable
import sys
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .lineage.runtime import PURE_METHODS as PURE_METHODS_BY_TYPE
from .lineage.slicing import (
    Slice,
    SliceError,
    Trace,
    backward_slice,
    load_trace,
    slice_json,
    to_json,
)
from .lineage.static import CellFacts, analyze
from .store.models import Activation, Trial, Value
from .store.queries import resolve_trial

__all__ = [
    "Option",
    "RecordedValue",
    "Script",
    "ScriptifyError",
    "Verification",
    "build_script",
    "requirements_text",
    "scriptify",
    "translate_cell",
    "verify_script",
]

ARGS = "_args"  # the parsed options in the script's namespace
# Names the script's own preamble binds, and module globals every script has.
SCRIPT_NAMES = frozenset(
    {ARGS, "argparse", "os", "subprocess", "pathlib", "_options", "_flag", "_literal"}
    | {"__name__", "__file__", "__doc__", "__builtins__", "__spec__", "__loader__"}
    | {"__package__", "__cached__"}
)
PSEUDO_PREFIXES = ("file:", "random:")
MAX_PULLS = 8  # rounds of adding the slices of names a script still misses

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


class ScriptifyError(Exception):
    """The value cannot be rebuilt (unknown trial or variable, nothing recorded)."""


@dataclass(frozen=True)
class Option:
    """A command-line option of the script."""

    name: str  # the option without dashes, a Python identifier
    default: Any
    kind: str  # "hyperparam" | "path"
    help: str


@dataclass(frozen=True)
class RecordedValue:
    """The value the trial recorded for the variable (see nbprov.capture.values)."""

    value: Any
    exact: bool
    fingerprint: str | None


@dataclass
class Script:
    """A generated script and what is needed to check and describe it."""

    text: str
    trial: int
    variable: str
    recorded: RecordedValue | None
    options: list[Option] = field(default_factory=list)
    imports: list[str] = field(default_factory=list)  # top-level modules imported
    packages: dict[str, str] = field(default_factory=dict)  # distribution -> version
    notebook: str | None = None
    cells: list[int | None] = field(default_factory=list)  # execution counts
    # cells not in the recorded slice, added because kept statements needed their names
    added: list[int | None] = field(default_factory=list)
    # each cell's translated statements: (seq, execution count, stage, body)
    sections: list[tuple[int, int | None, str | None, str]] = field(default_factory=list)


@dataclass(frozen=True)
class Verification:
    """The outcome of :func:`verify_script`."""

    ok: bool
    message: str
    value: Any = None
    fingerprint: str | None = None


# -- translating one cell ------------------------------------------------------------------


@dataclass
class _Context:
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


def _translate_magic(stmt: ast.stmt, ctx: _Context) -> list[ast.stmt] | None:
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
            return _parse_statements(_plain_python(body))
        if name == "writefile" and line is not None and body is not None:
            ctx.helpers.add("pathlib")
            target = line.replace("-a", "").strip()
            mode = "a" if "-a" in line.split() else "w"
            return _parse_statements(
                f"with pathlib.Path({target!r}).open({mode!r}) as _file:\n    _file.write({body!r})"
            )
    ctx.notes.append(f"dropped: %{name or method} (no plain Python equivalent)")
    return []


def _plain_python(source: str) -> str:
    from IPython.core.inputtransformer2 import TransformerManager

    manager = TransformerManager()  # type: ignore[no-untyped-call]
    text: str = manager.transform_cell(source)
    return text


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

    def __init__(self, ctx: _Context) -> None:
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

    def __init__(self, ctx: _Context) -> None:
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


def _literal_target(stmt: ast.stmt) -> str | None:
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


def translate_cell(source: str, ctx: _Context | None = None) -> str:
    """One cell's source as plain Python: magics translated or dropped, display-only
    statements dropped, literal hyperparameters and paths lifted into options.

    Statements that need no change keep their text (and the comments around them);
    changed ones are regenerated from the syntax tree.
    """
    ctx = ctx or _Context()
    code = _plain_python(source)
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
    stmt: ast.stmt, rest: Sequence[ast.stmt], ctx: _Context
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
    target = _literal_target(stmt)
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


# -- the slice → the script ----------------------------------------------------------------


def _recorded(session: Session, trial_id: int, name: str, seq: int) -> RecordedValue | None:
    row = session.execute(
        select(Value.value, Value.exact, Value.fingerprint)
        .where(Value.trial_id == trial_id, Value.name == name, Value.seq <= seq)
        .order_by(Value.seq.desc(), Value.id.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    return RecordedValue(row.value, bool(row.exact), row.fingerprint)


def _imports(sources: Iterable[str]) -> list[str]:
    found: set[str] = set()
    for source in sources:
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.add(node.module.split(".")[0])
    stdlib: frozenset[str] = getattr(sys, "stdlib_module_names", frozenset())
    return sorted(m for m in found if m not in stdlib and m != "__future__")


def _distributions(modules: Iterable[str], recorded: dict[str, str]) -> dict[str, str]:
    """Distribution → version for the imported modules: the recorded version when the
    trial has one, else the installed one."""
    try:
        mapping = metadata.packages_distributions()
    except Exception:
        mapping = {}
    lowered = {k.lower().replace("_", "-"): (k, v) for k, v in recorded.items()}
    out: dict[str, str] = {}
    for module in modules:
        for dist in mapping.get(module, [module]):
            key = dist.lower().replace("_", "-")
            if key in lowered:
                name, version = lowered[key]
                out[name] = version
                continue
            try:
                out[dist] = metadata.version(dist)
            except metadata.PackageNotFoundError:
                continue
    return dict(sorted(out.items(), key=lambda kv: kv[0].lower()))


def _option_name(name: str, taken: set[str]) -> str:
    base = name if name.isidentifier() else "input"
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}_{n}", n + 1
    taken.add(candidate)
    return candidate


def _input_paths(
    stmts_by_cell: list[list[ast.stmt]], read_files: set[str], folder: Path | None
) -> dict[str, str]:
    """Literal strings naming a file the slice read (or passed to a reader call, when
    the file exists): literal → absolute path."""
    found: dict[str, str] = {}

    def resolve(text: str) -> Path | None:
        path = Path(text).expanduser()
        if not path.is_absolute():
            if folder is None:
                return None
            path = folder / path
        return path

    for stmts in stmts_by_cell:
        for stmt in stmts:
            reader_args: set[int] = set()
            for node in ast.walk(stmt):
                if isinstance(node, ast.Call) and node.args:
                    func = node.func
                    callee = func.attr if isinstance(func, ast.Attribute) else ""
                    callee = func.id if isinstance(func, ast.Name) else callee
                    if callee.startswith(READER_PREFIXES):
                        reader_args.add(id(node.args[0]))
            for node in ast.walk(stmt):
                if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
                    continue
                text = node.value
                if not text or "\n" in text or len(text) > 4096:
                    continue
                path = resolve(text)
                if path is None:
                    continue
                absolute = os.path.abspath(path)
                if absolute in read_files or (id(node) in reader_args and path.is_file()):
                    found[text] = absolute
    return found


def _option_type(value: Any) -> str:
    if isinstance(value, bool):
        return "_flag"
    if isinstance(value, str):
        return "str"
    return "_literal"


def build_script(session: Session, trial_ref: str | int, variable: str) -> Script:
    """The standalone script that rebuilds ``variable`` as trial ``trial_ref`` had it.

    Each cell of the slice contributes only the top-level statements the slice needs from
    it (see :func:`_statements_needed`). When a kept statement still needs a name no earlier
    statement of the script binds, the slice of that name (as the trial had it just before)
    is added, until nothing is missing.
    """
    trial: Trial = resolve_trial(session, trial_ref)
    try:
        sl = slice_json(session.connection(), trial.id, variable)
    except SliceError as exc:
        raise ScriptifyError(str(exc)) from exc
    target_seq = max(v["seq"] for v in sl["variables"] if v["name"] == variable)
    recorded = _recorded(session, trial.id, variable, target_seq)
    sliced = [a["seq"] for a in sl["activations"]]
    trace = load_trace(session.connection(), trial.id)
    # Names any cell of the trial imports: modules, functions and classes, not data.
    imported: set[str] = set()
    for source in trace.sources.values():
        try:
            imported |= _imported(ast.parse(_plain_python(source)).body)
        except SyntaxError:
            continue
    for _ in range(MAX_PULLS):
        script, missing = _compose(session, trial, variable, sl, recorded, imported)
        if not missing or not _pull_in(sl, trace, missing):
            break
    counts = {a["seq"]: a["execution_count"] for a in sl["activations"]}
    script.added = [counts[q] for q in sorted(counts) if q not in sliced]
    return script


def _imported(stmts: Iterable[ast.stmt]) -> set[str]:
    """Names bound by import statements: modules, functions and classes, not data."""
    names: set[str] = set()
    for stmt in stmts:
        for node in ast.walk(stmt):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names |= {(a.asname or a.name).split(".")[0] for a in node.names}
    return names


def _alias_groups(
    stmts: Sequence[ast.stmt], imported: set[str]
) -> tuple[dict[str, str], dict[str, set[str]]]:
    """Union-find over a cell's names: a name bound to a value computed from another
    name's object, or by the same statement, may share objects with it, so changing one
    may change the other (``first = rows[0]``, ``for row in rows``, ``ax =
    fig.add_subplot()``, ``fig, axs = plt.subplots()``). Imported names (``np``, ``plt``)
    join nothing: they would put every name in one group. Instead, the second map gives,
    for each imported name, the names bound from an expression that uses it (``fig =
    plt.figure()``): changing the module's state (``plt.plot(...)``) may change those."""
    parent: dict[str, str] = {}
    derived: dict[str, set[str]] = {}

    def data(node: ast.AST | None) -> set[str]:
        if node is None:
            return set()
        loaded = {
            n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)
        }
        return loaded - imported

    def find(name: str) -> str:
        parent.setdefault(name, name)
        while parent[name] != name:
            parent[name] = parent[parent[name]]
            name = parent[name]
        return name

    def join(names: set[str], value: ast.AST | None = None) -> None:
        if value is not None:
            for n in ast.walk(value):
                if isinstance(n, ast.Name) and n.id in imported:
                    derived.setdefault(n.id, set()).update(names - imported)
        roots = sorted({find(n) for n in names})
        for r in roots[1:]:
            parent[r] = roots[0]

    def stored(target: ast.AST) -> set[str]:
        return {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}

    for stmt in stmts:
        for node in ast.walk(stmt):
            if isinstance(node, ast.Assign):
                targets = set().union(*(stored(t) for t in node.targets))
                join(targets | data(node.value), node.value)
            elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
                join(stored(node.target) | data(node.value), node.value)
            elif isinstance(node, (ast.For, ast.AsyncFor, ast.comprehension)):
                join(stored(node.target) | data(node.iter), node.iter)
            elif isinstance(node, ast.withitem) and node.optional_vars is not None:
                join(stored(node.optional_vars) | data(node.context_expr), node.context_expr)
            elif isinstance(node, ast.NamedExpr):
                join({node.target.id} | data(node.value), node.value)
    return {name: find(name) for name in list(parent)}, derived


def _statements_needed(stmts: Sequence[ast.stmt], wanted: set[str], imported: set[str]) -> set[int]:
    """Indices of the top-level statements of a cell that the slice needs from it.

    ``wanted`` names the variables (and ``file:``/``random:`` pseudo-variables) whose
    versions written by this cell the slice uses. Walking backwards, a statement is kept
    when it may bind a wanted name or change an object a wanted name may share (see
    :func:`_alias_groups`), and then every name it loads (also in the bodies of
    functions and classes it defines) is wanted from the statements before it. Imports
    are always kept (importing can have effects other cells rely on), and so are
    statements the analysis cannot see through (exec, star imports), random seeding, and
    statements that change a module's state using nothing but modules and literals.
    A cell that read a file or random state keeps every statement that calls something.
    """
    live = {n for n in wanted if not n.startswith(PSEUDO_PREFIXES)}
    effects = any(n.startswith(PSEUDO_PREFIXES) for n in wanted)
    groups, derived = _alias_groups(stmts, imported)
    # A wanted name no statement may write changed through an object it shares with a
    # name of another cell: any statement that may change an object can be the one.
    facts_all = [analyze(ast.unparse(stmt)) for stmt in stmts]
    placed = set().union(*(f.binds | f.candidates | f.deletes for f in facts_all))
    unplaced = bool(live - placed)
    keep: set[int] = set()
    for i in range(len(stmts) - 1, -1, -1):
        stmt, facts = stmts[i], facts_all[i]
        # An imported name is needed bound (imports are kept), not in any given state;
        # its state matters only through the names derived from it.
        changed = facts.candidates - imported
        shared = {groups.get(n, n) for n in live - imported}
        through_module = any(derived.get(m, set()) & live for m in facts.candidates & imported)
        # A statement that changes a module using nothing but modules sets state later
        # cells may rely on unnamed (sklearn.set_config(...), plt.rcParams[k] = v).
        loaded = {n.id for n in ast.walk(stmt) if isinstance(n, ast.Name)}
        settings = bool(facts.candidates & imported) and not loaded - imported
        calls = any(isinstance(n, ast.Call) for n in ast.walk(stmt))
        if (
            isinstance(stmt, (ast.Import, ast.ImportFrom, ast.Global, ast.Nonlocal))
            or not facts.parsed
            or facts.dynamic
            or facts.seed_calls
            or (facts.binds | facts.deletes | changed) & live
            or any(groups.get(n, n) in shared for n in changed)
            or through_module
            or settings
            or (unplaced and facts.candidates)
            or (effects and calls)
        ):
            keep.add(i)
            live |= facts.loads | {
                n.id
                for n in ast.walk(stmt)
                if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)
            }
    return keep


def _needs(stmt: ast.stmt, facts: CellFacts) -> tuple[set[str], set[str]]:
    """Names a statement reads from outside it when it runs, and names the functions it
    defines read as globals when they are called later (the notebook may bind those only
    after the definition, as long as before the call)."""
    now: set[str] = set(facts.reads)
    later: set[str] = set()
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        try:
            table = symtable.symtable(ast.unparse(stmt), "<cell>", "exec")
        except SyntaxError:
            return now, later
        todo = [(scope, scope.get_type() == "function") for scope in table.get_children()]
        while todo:
            scope, deferred = todo.pop()
            todo += [(c, deferred or c.get_type() == "function") for c in scope.get_children()]
            for sym in scope.get_symbols():
                if sym.is_referenced() and sym.is_global() and not sym.is_assigned():
                    (later if deferred else now).add(sym.get_name())
    return now, later


def _missing_names(parts: Sequence[tuple[int, str]]) -> list[tuple[str, int]]:
    """(name, seq) for each name the script needs before any statement binds it; seq is
    the activation whose part first needs it (for a name a function reads when called:
    one past the last activation, since any binding before the end may do)."""
    bound = set(dir(builtins)) | SCRIPT_NAMES
    missing: list[tuple[str, int]] = []
    deferred: dict[str, int] = {}
    for seq, text in parts:
        try:
            body = ast.parse(text).body
        except SyntaxError:
            return missing
        for stmt in body:
            if any(
                isinstance(n, ast.ImportFrom) and any(a.name == "*" for a in n.names)
                for n in ast.walk(stmt)
            ):
                return missing  # the names a star import binds are unknown
            facts = analyze(ast.unparse(stmt))
            now, later = _needs(stmt, facts)
            for name in sorted(now - bound):
                missing.append((name, seq))
                bound.add(name)
            for name in later:
                deferred.setdefault(name, seq)
            bound |= facts.binds
    end = max((seq for seq, _ in parts), default=0) + 1
    missing += [(name, end) for name in sorted(set(deferred) - bound)]
    return missing


def _imports_name(source: str | None, name: str) -> bool:
    if source is None:
        return False
    try:
        body = ast.parse(_plain_python(source)).body
    except SyntaxError:
        return False
    return name in _imported(body)


def _pull_in(sl: dict[str, Any], trace: Trace, missing: Sequence[tuple[str, int]]) -> bool:
    """Add to ``sl`` the slice of each missing name as it was before the activation that
    needs it; False when nothing could be added."""
    steps = trace.steps
    have = {a["seq"] for a in sl["activations"]}
    versions = {(v["name"], v["seq"]) for v in sl["variables"]}
    grew = False
    for name, seq in missing:
        binder = next((s for s in reversed(steps) if s.seq < seq and name in s.binds), None)
        writer = next((s for s in reversed(steps) if s.seq < seq and name in s.writes), None)
        if binder is not None and _imports_name(trace.sources.get(binder.cell_hash), name):
            # A module (or a name imported from one) needs its import alone, not the
            # slice of everything later passed to it.
            sub = Slice(trace, name, [binder], [(name, binder.seq)], [])
            extra = to_json(sub)
        elif writer is None:
            continue
        else:
            try:
                extra = to_json(backward_slice(trace, name, as_of=writer.seq))
            except SliceError:
                continue
        if all((v["name"], v["seq"]) in versions for v in extra["variables"]):
            continue
        for a in extra["activations"]:
            if a["seq"] not in have:
                have.add(a["seq"])
                sl["activations"].append(a)
        for v in extra["variables"]:
            if (v["name"], v["seq"]) not in versions:
                versions.add((v["name"], v["seq"]))
                sl["variables"].append(v)
        grew = True
    sl["activations"].sort(key=lambda a: a["seq"])
    return grew


def _compose(
    session: Session,
    trial: Trial,
    variable: str,
    sl: dict[str, Any],
    recorded: RecordedValue | None,
    imported: set[str],
) -> tuple[Script, list[tuple[str, int]]]:
    """The script of the slice ``sl``, and the names it misses (see _missing_names)."""
    activations = sl["activations"]
    if any(a["source"] is None for a in activations):
        raise ScriptifyError("the store lacks the source of a cell in the slice")
    env: dict[str, Any] = dict(trial.environment or {})
    notebook = trial.notebook
    folder = Path(notebook).parent if notebook and Path(notebook).is_absolute() else None

    # Versions the slice needs, by activation, and the tagged hyperparameters.
    needed: dict[int, set[str]] = {}
    roles: dict[str, str] = {}
    values: dict[tuple[str, int], Any] = {}
    read_files: set[str] = set()
    for v in sl["variables"]:
        needed.setdefault(v["seq"], set()).add(v["name"])
        if v["role"]:
            roles[v["name"]] = v["role"]
        if v["exact"]:
            values[(v["name"], v["seq"])] = v["value"]
        if v["name"].startswith("file:"):
            read_files.add(os.path.abspath(v["name"][5:]))

    plain = [_plain_python(a["source"]) for a in activations]
    try:
        parsed = [ast.parse(code).body for code in plain]
    except SyntaxError as exc:
        raise ScriptifyError(f"cannot parse a cell of the slice: {exc}") from exc
    keeps = [
        _statements_needed(stmts, needed.get(a["seq"], set()), imported)
        for a, stmts in zip(activations, parsed, strict=True)
    ]
    kept = [
        [s for i, s in enumerate(stmts) if i in keep]
        for stmts, keep in zip(parsed, keeps, strict=True)
    ]

    taken = {ARGS}
    options: list[Option] = []
    # A hyperparameter becomes an option at its last literal assignment in the slice.
    last_literal: dict[str, tuple[int, Any]] = {}
    for a, stmts in zip(activations, kept, strict=True):
        for stmt in stmts:
            target = _literal_target(stmt)
            if target is None or roles.get(target) != "hyperparam":
                continue
            if target in needed.get(a["seq"], set()):
                assert isinstance(stmt, ast.Assign)
                last_literal[target] = (a["seq"], ast.literal_eval(stmt.value))
    hyper_options: dict[str, str] = {}
    for name, (seq, literal) in sorted(last_literal.items(), key=lambda kv: kv[1][0]):
        default = values.get((name, seq), literal)
        option = _option_name(name, taken)
        hyper_options[name] = option
        options.append(Option(option, default, "hyperparam", f"hyperparameter {name}"))
    paths = _input_paths(kept, read_files, folder)
    path_options: dict[str, str] = {}
    for literal, absolute in sorted(paths.items()):
        stem = Path(literal).stem.replace("-", "_").replace(".", "_") or "input"
        option = _option_name(f"{stem}_path" if stem.isidentifier() else "input_path", taken)
        path_options[literal] = option
        options.append(Option(option, absolute, "path", f"input file (recorded: {literal})"))

    parts: list[str] = []
    bodies: list[tuple[int, str]] = []
    sections: list[tuple[int, int | None, str | None, str]] = []
    helpers: set[str] = set()
    notes: list[str] = []
    for a, stmts, keep in zip(activations, parsed, keeps, strict=True):
        seq = a["seq"]
        ctx = _Context(paths=path_options, keep=keep)
        if a["status"] == "error":
            ctx.raised = _error_of(session, trial.id, seq)
        # Literal assignments whose version the slice does not need are dropped; the
        # hyperparameter's option replaces the assignment the slice does need.
        ctx.drop_assignments = set()
        for stmt in stmts:
            target = _literal_target(stmt)
            if target is not None and target not in needed.get(seq, set()):
                ctx.drop_assignments.add(target)
        ctx.hyperparams = {n: o for n, o in hyper_options.items() if last_literal[n][0] == seq}
        body = translate_cell(a["source"], ctx)
        helpers |= ctx.helpers
        notes += ctx.notes
        count = a["execution_count"]
        label = f"In [{count}]" if count is not None else f"cell {seq}"
        stage = f", stage {a['stage']}" if a["stage"] else ""
        parts.append(f"# --- {label}{stage} ---\n{body.strip()}\n" if body.strip() else "")
        bodies.append((seq, body))
        sections.append((seq, count, a["stage"], body))

    imports = _imports(ast.unparse(ast.Module(body=stmts, type_ignores=[])) for stmts in kept)
    recorded_packages = {str(k): str(v) for k, v in (env.get("packages") or {}).items()}
    packages = _distributions(imports, recorded_packages)
    script = Script(
        text="",
        trial=trial.id,
        variable=variable,
        recorded=recorded,
        options=options,
        imports=imports,
        packages=packages,
        notebook=notebook,
        cells=[a["execution_count"] for a in activations],
        sections=sections,
    )
    script.text = _render(script, trial, env, parts, helpers, notes)
    return script, _missing_names(bodies)


def _error_of(session: Session, trial_id: int, seq: int) -> str:
    row = session.execute(
        select(Activation.error_type).where(Activation.trial_id == trial_id, Activation.seq == seq)
    ).first()
    return str(row.error_type) if row is not None and row.error_type else "an exception"


def _render(
    script: Script,
    trial: Trial,
    env: dict[str, Any],
    parts: list[str],
    helpers: set[str],
    notes: list[str],
) -> str:
    git = env.get("git") if isinstance(env.get("git"), dict) else None
    named = f" ({trial.name})" if trial.name else ""
    header = [
        f"Rebuild `{script.variable}` as nbprov trial {trial.id}{named} computed it.",
        "",
        f"Trial:     {trial.id}{named}, uuid {trial.uuid}",
        f"Notebook:  {script.notebook or '(unknown)'}",
    ]
    if git:
        dirty = " (uncommitted changes)" if git.get("dirty") else ""
        header.append(f"Git:       {git.get('commit')}{dirty}")
    else:
        header.append("Git:       (not in a git repository)")
    header.append(f"Python:    {env.get('python', '?')}")
    if script.packages:
        pins = ", ".join(f"{k}=={v}" for k, v in script.packages.items())
        header.append(f"Packages:  {pins}")
    cells = " ".join(f"[{c}]" if c is not None else "[ ]" for c in script.cells)
    header.append(f"Cells:     {cells}")
    if script.recorded is not None and script.recorded.exact:
        header.append(f"Recorded:  {script.variable} = {script.recorded.value!r}")
    header += ["", "Generated by `nbprov scriptify`; `--help` lists the options."]
    for note in notes:
        header.append(f"Note: {note}")
    lines = ['"""' + "\n".join(header).replace('"""', "'''") + '\n"""', ""]
    lines.append("import argparse")
    lines += [f"import {h}" for h in sorted(helpers)]
    lines.append("")
    needs_flag = any(_option_type(o.default) == "_flag" for o in script.options)
    needs_literal = any(_option_type(o.default) == "_literal" for o in script.options)
    if needs_flag:
        lines += [
            "",
            "def _flag(text):",
            '    return text.strip().lower() in ("1", "true", "yes", "on")',
            "",
        ]
    if needs_literal:
        lines += [
            "",
            "def _literal(text):",
            "    import ast",
            "",
            "    try:",
            "        return ast.literal_eval(text)",
            "    except (ValueError, SyntaxError):",
            "        return text",
            "",
        ]
    lines.append("")
    lines.append("def _options():")
    lines.append(
        f"    parser = argparse.ArgumentParser(description={f'Rebuild {script.variable}.'!r})"
    )
    for option in script.options:
        flags = [f"--{option.name.replace('_', '-')}", f"--{option.name}"]
        flags = list(dict.fromkeys(flags))
        lines.append(
            f"    parser.add_argument({', '.join(map(repr, flags))}, dest={option.name!r},"
            f" type={_option_type(option.default)}, default={option.default!r},"
            f" help={option.help + ' (default: %(default)r)'!r})"
        )
    lines.append("    return parser.parse_args()")
    lines += ["", "", f"{ARGS} = _options()", "", ""]
    lines.append("\n".join(p for p in parts if p))
    lines.append(f"print(repr({script.variable}))")
    return "\n".join(lines) + "\n"


def scriptify(
    trial_ref: str | int, variable: str, db: str | None = None, store: Any = None
) -> Script:
    """Open the store (or use ``store``) and build the script for ``variable``."""
    from .store import Store

    own = store is None
    opened = Store.open(db) if own else store
    try:
        with opened.session() as session:
            return build_script(session, trial_ref, variable)
    finally:
        if own:
            opened.close()


# -- checking a script -----------------------------------------------------------------

_DRIVER = """
import json, runpy, sys
from nbprov.capture.values import summarize
path, name, out = sys.argv[1:4]
sys.argv = [path]
namespace = runpy.run_path(path, run_name="__main__")
if name not in namespace:
    raise SystemExit(f"the script did not define {name!r}")
value, exact, fingerprint = summarize(namespace[name])
with open(out, "w") as handle:
    json.dump({"value": value, "exact": exact, "fingerprint": fingerprint}, handle)
"""


def _normal(value: Any) -> Any:
    return json.loads(json.dumps(value, sort_keys=True))


def verify_script(
    path: str | Path,
    variable: str,
    recorded: RecordedValue | None,
    *,
    cwd: str | Path | None = None,
    timeout: float | None = 1800,
) -> Verification:
    """Run the script at ``path`` in a fresh interpreter; compare ``variable`` with the
    recorded value (equal when exact, same fingerprint otherwise)."""
    if recorded is None:
        return Verification(False, f"no value of {variable!r} was recorded to compare with")
    with tempfile.TemporaryDirectory(prefix="nbprov-verify-") as tmp:
        out = Path(tmp) / "value.json"
        try:
            proc = subprocess.run(
                [sys.executable, "-c", _DRIVER, str(Path(path).resolve()), variable, str(out)],
                capture_output=True,
                text=True,
                cwd=str(cwd) if cwd is not None else None,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return Verification(False, f"the script ran longer than {timeout} seconds")
        if proc.returncode != 0 or not out.exists():
            tail = (proc.stderr.strip().splitlines() or ["(no output)"])[-1]
            return Verification(False, f"the script failed: {tail}")
        got = json.loads(out.read_text())
    if recorded.exact:
        if got["exact"] and _normal(got["value"]) == _normal(recorded.value):
            return Verification(True, f"{variable} = {got['value']!r}, as recorded", got["value"])
        shown = got["value"] if got["exact"] else got["value"].get("repr")
        return Verification(
            False,
            f"{variable} = {shown!r}, recorded {recorded.value!r}",
            got["value"],
            got["fingerprint"],
        )
    if recorded.fingerprint is None:
        return Verification(False, f"the recorded {variable!r} has no fingerprint to compare with")
    if got["fingerprint"] == recorded.fingerprint:
        return Verification(
            True,
            f"{variable} has the recorded fingerprint {recorded.fingerprint}",
            got["value"],
            got["fingerprint"],
        )
    return Verification(
        False,
        f"{variable} fingerprint {got['fingerprint']} differs from the recorded "
        f"{recorded.fingerprint}",
        got["value"],
        got["fingerprint"],
    )


def requirements_text(script: Script) -> str:
    """Pinned requirements (``dist==version``) of the packages the slice imports."""
    lines = [f"# packages imported by the slice of {script.variable} (nbprov trial {script.trial})"]
    lines += [f"{dist}=={version}" for dist, version in script.packages.items()]
    return "\n".join(lines) + "\n"

"""Rebuild a recorded value as a standalone Python script.

:func:`build_script` takes the backward slice of a variable (see
:mod:`nbprov.lineage.slicing`) and writes its cells, in execution order, as plain Python
(translated by :mod:`nbprov.core.scriptify.translate`):

- tagged hyperparameters assigned a literal become command-line options whose defaults
  are the recorded values, and literal paths of the files the slice read become options
  too (their defaults are the files the recorded run read);
- a header names the trial, notebook, git commit and the versions of the packages the
  slice imports; the last line prints ``repr(NAME)``.
"""

from __future__ import annotations

import ast
import builtins
import os
import symtable
import sys
from collections.abc import Iterable, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from nbprov.capture.ipython_syntax import plain_python
from nbprov.core.scriptify.script import (
    ARGS,
    MAX_PULLS,
    PSEUDO_PREFIXES,
    SCRIPT_NAMES,
    Option,
    RecordedValue,
    Script,
    ScriptifyError,
)
from nbprov.core.scriptify.translate import (
    READER_PREFIXES,
    Context,
    literal_target,
    translate_cell,
)
from nbprov.lineage.slicing import (
    Slice,
    SliceError,
    Trace,
    backward_slice,
    load_trace,
    merge_slice,
    slice_json,
    to_json,
)
from nbprov.lineage.static import CellFacts, analyze
from nbprov.store import store_session
from nbprov.store.models import Activation, Trial, Value
from nbprov.store.queries import resolve_trial

# -- the slice → the script ----------------------------------------------------------------


def recorded_value(session: Session, trial_id: int, name: str, seq: int) -> RecordedValue | None:
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
    recorded = recorded_value(session, trial.id, variable, target_seq)
    sliced = [a["seq"] for a in sl["activations"]]
    trace = load_trace(session.connection(), trial.id)
    imported = names_imported_in(trace)
    for _ in range(MAX_PULLS):
        script, missing = compose(session, trial, variable, sl, recorded, imported)
        if not missing or not pull_in(sl, trace, missing):
            break
    counts = {a["seq"]: a["execution_count"] for a in sl["activations"]}
    script.added = [counts[q] for q in sorted(counts) if q not in sliced]
    return script


def imported_names(stmts: Iterable[ast.stmt]) -> set[str]:
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


def statement_needs(stmt: ast.stmt, facts: CellFacts) -> tuple[set[str], set[str]]:
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
            now, later = statement_needs(stmt, facts)
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
        body = ast.parse(plain_python(source)).body
    except SyntaxError:
        return False
    return name in imported_names(body)


def names_imported_in(trace: Trace) -> set[str]:
    """Names any cell of the trial imports: modules, functions and classes, not data."""
    imported: set[str] = set()
    for source in trace.sources.values():
        try:
            imported |= imported_names(ast.parse(plain_python(source)).body)
        except SyntaxError:
            continue
    return imported


def pull_in(sl: dict[str, Any], trace: Trace, missing: Sequence[tuple[str, int]]) -> bool:
    """Add to ``sl`` the slice of each missing name as it was before the activation that
    needs it; False when nothing could be added."""
    steps = trace.steps
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
        merge_slice(sl, extra, edges=False)
        versions |= {(v["name"], v["seq"]) for v in extra["variables"]}
        grew = True
    return grew


def compose(
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

    plain = [plain_python(a["source"]) for a in activations]
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
            target = literal_target(stmt)
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
        ctx = Context(paths=path_options, keep=keep)
        if a["status"] == "error":
            ctx.raised = _error_of(session, trial.id, seq)
        # Literal assignments whose version the slice does not need are dropped; the
        # hyperparameter's option replaces the assignment the slice does need.
        ctx.drop_assignments = set()
        for stmt in stmts:
            target = literal_target(stmt)
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
    with store_session(db, store) as session:
        return build_script(session, trial_ref, variable)
